import { createServer, get, type Server } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RpcDispatcher } from '@hearth/sdk/rpc';
import { StreamChannels, MAX_SUBSCRIPTIONS_PER_CHANNEL } from './channels.js';

let server: Server;
let channels: StreamChannels;
let url: string;
/** Subscriptions whose method saw its caller hang up, by the param `name` they were started with. */
const hungUp: string[] = [];

beforeAll(async () => {
  const dispatcher = new RpcDispatcher();
  dispatcher.addMethod('tick', (params, caller) => {
    const name = String((params as { name?: unknown }).name);
    caller.notify('early', { name }); // before the result: must still come after it
    const timer = setInterval(() => caller.notify('tick', { name }), 10);
    void caller.closed.then(() => {
      clearInterval(timer);
      hungUp.push(name);
    });
    return { name };
  });
  channels = new StreamChannels(dispatcher);
  server = createServer((_req, res) => channels.open(res, 'session-a'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Open a channel; events arrive in `events` until `close()`. */
async function openChannel(): Promise<{ id: string; events: { event: string; data: Record<string, unknown> }[]; close: () => void }> {
  const events: { event: string; data: Record<string, unknown> }[] = [];
  let buffer = '';
  return await new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const [eventLine, dataLine] = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const event = { event: eventLine?.slice(7) ?? '', data: JSON.parse(dataLine?.slice(6) ?? '{}') as Record<string, unknown> };
          if (event.event === 'open') resolve({ id: String(event.data.channel), events, close: () => req.destroy() });
          else events.push(event);
        }
      });
    });
    req.on('error', reject);
  });
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};
const request = (name: string) => ({ jsonrpc: '2.0', id: 1, method: 'tick', params: { name } });

test('one channel carries several subscriptions: each result first, then its own notifications, by sub id', async () => {
  const channel = await openChannel();
  expect(channels.subscribe('session-a', { channel: channel.id, sub: 'events', request: request('a') })).toBeNull();
  expect(channels.subscribe('session-a', { channel: channel.id, sub: 'logs', request: request('b') })).toBeNull();
  await until(() => ['events', 'logs'].every((sub) => channel.events.filter((e) => e.data.sub === sub && e.event === 'notification').length >= 3));
  for (const sub of ['events', 'logs']) {
    const mine = channel.events.filter((e) => e.data.sub === sub);
    expect(mine[0]).toMatchObject({ event: 'result', data: { response: { result: { name: sub === 'events' ? 'a' : 'b' } } } });
    expect(mine[1]).toMatchObject({ event: 'notification', data: { method: 'early' } });
  }
  channel.close();
  await until(() => hungUp.includes('a') && hungUp.includes('b'));
});

test('unsubscribe ends one subscription and leaves the others following', async () => {
  const channel = await openChannel();
  channels.subscribe('session-a', { channel: channel.id, sub: 's1', request: request('c') });
  channels.subscribe('session-a', { channel: channel.id, sub: 's2', request: request('d') });
  await until(() => channel.events.some((e) => e.data.sub === 's1' && e.event === 'notification'));
  expect(channels.unsubscribe('session-a', { channel: channel.id, sub: 's1' })).toBeNull();
  await until(() => hungUp.includes('c'));
  const before = channel.events.length;
  await until(() => channel.events.length > before + 3);
  expect(channel.events.slice(before).every((e) => e.data.sub === 's2')).toBe(true);
  expect(hungUp).not.toContain('d');
  channel.close();
});

test('another session cannot add to or end a channel, bad ids and too many subscriptions are refused in words', async () => {
  const channel = await openChannel();
  expect(channels.subscribe('session-b', { channel: channel.id, sub: 'x', request: request('e') })).toMatchObject({ status: 404 });
  expect(channels.subscribe('session-a', { channel: 'nope', sub: 'x', request: request('e') })).toMatchObject({ status: 404 });
  expect(channels.subscribe('session-a', { channel: channel.id, sub: '<script>', request: request('e') })).toMatchObject({ status: 400 });
  expect(channels.subscribe('session-a', { channel: channel.id, sub: 'x', request: { not: 'rpc' } })).toMatchObject({ status: 400 });
  for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_CHANNEL; i++) expect(channels.subscribe('session-a', { channel: channel.id, sub: `n${i}`, request: request(`n${i}`) })).toBeNull();
  expect(channels.subscribe('session-a', { channel: channel.id, sub: 'one-more', request: request('f') })).toMatchObject({ status: 429 });
  expect(channels.subscribe('session-a', { channel: channel.id, sub: 'n0', request: request('g') })).toMatchObject({ status: 409 });
  expect(channels.unsubscribe('session-b', { channel: channel.id, sub: 'n0' })).toMatchObject({ status: 404 });
  expect(hungUp).not.toContain('n0');
  channel.close();
  await until(() => hungUp.includes(`n${MAX_SUBSCRIPTIONS_PER_CHANNEL - 1}`));
});
