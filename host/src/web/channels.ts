import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { classifyMessage, type RpcDispatcher } from '@hearth/sdk/rpc';
import { KEEPALIVE_MS, MAX_UNREAD_BYTES } from './stream.js';

/** Subscriptions one channel carries at once; a dashboard page uses two or three. */
export const MAX_SUBSCRIPTIONS_PER_CHANNEL = 32;
/** A subscription's id is the page's own name for it: short and plain, so it echoes back safely. */
const SUB_ID = /^[A-Za-z0-9_-]{1,64}$/;

interface Channel {
  session: string;
  send: (event: string, data: unknown) => void;
  /** Each open subscription's hang-up: ends what its method follows. */
  subs: Map<string, () => void>;
}

/**
 * One live connection per dashboard page (Chromium opens at most six per host, so one stream per
 * subscription ran a few tabs out of connections). `open` answers a server-sent event stream whose
 * first event names the channel; `subscribe` runs one JSON-RPC request on it, whose response
 * (`event: result`, `{sub, response}`) and notifications (`event: notification`,
 * `{sub, method, params}`) follow on that stream until `unsubscribe` or the page goes away. Only
 * the session that opened a channel may add to it.
 */
export class StreamChannels {
  private readonly channels = new Map<string, Channel>();

  constructor(private readonly dispatcher: RpcDispatcher) {}

  open(res: ServerResponse, session: string): void {
    const id = randomBytes(16).toString('base64url');
    let open = true;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    const channel: Channel = {
      session,
      subs: new Map(),
      send: (event, data) => {
        if (!open) return;
        if (res.writableLength > MAX_UNREAD_BYTES) return void res.destroy();
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
    };
    this.channels.set(id, channel);
    const keepalive = setInterval(() => open && res.write(': keepalive\n\n'), KEEPALIVE_MS);
    res.once('close', () => {
      open = false;
      clearInterval(keepalive);
      this.channels.delete(id);
      for (const hangup of channel.subs.values()) hangup();
      channel.subs.clear();
    });
    channel.send('open', { channel: id });
  }

  /** Start `body.request` on the session's channel `body.channel` as `body.sub`; null, or why not (status and words). */
  subscribe(session: string, body: unknown): { status: number; message: string } | null {
    const found = this.find(session, body);
    if ('status' in found) return found;
    const { channel, sub } = found;
    if (channel.subs.has(sub)) return { status: 409, message: `subscription ${sub} is already open on this channel` };
    if (channel.subs.size >= MAX_SUBSCRIPTIONS_PER_CHANNEL) return { status: 429, message: `at most ${MAX_SUBSCRIPTIONS_PER_CHANNEL} live views per page` };
    const m = classifyMessage((body as { request?: unknown }).request);
    if (m.kind !== 'request') return { status: 400, message: 'request: expected one JSON-RPC request with an id' };
    let hangup!: () => void;
    const closed = new Promise<void>((resolve) => (hangup = resolve));
    channel.subs.set(sub, hangup);
    // Notifications sent before the response wait for it, so the response always comes first.
    const early: { method: string; params?: object }[] = [];
    let answered = false;
    const live = (): boolean => channel.subs.get(sub) === hangup;
    const caller = {
      closed,
      notify: (method: string, params?: object): void => {
        if (!live()) return;
        if (answered) channel.send('notification', { sub, method, params });
        else early.push({ method, params });
      },
    };
    void this.dispatcher.handle({ jsonrpc: m.jsonrpc, id: m.id, method: m.method, params: m.params }, caller).then((response) => {
      if (!live()) return;
      channel.send('result', { sub, response });
      answered = true;
      for (const note of early) channel.send('notification', { sub, ...note });
      // A method that failed has nothing to follow.
      if (response === null || 'error' in response) this.end(channel, sub);
    });
    return null;
  }

  unsubscribe(session: string, body: unknown): { status: number; message: string } | null {
    const found = this.find(session, body);
    if ('status' in found) return found;
    this.end(found.channel, found.sub);
    return null;
  }

  private end(channel: Channel, sub: string): void {
    const hangup = channel.subs.get(sub);
    if (hangup === undefined) return;
    channel.subs.delete(sub);
    hangup();
  }

  private find(session: string, body: unknown): { channel: Channel; sub: string } | { status: number; message: string } {
    const { channel: id, sub } = (typeof body === 'object' && body !== null ? body : {}) as { channel?: unknown; sub?: unknown };
    if (typeof sub !== 'string' || !SUB_ID.test(sub)) return { status: 400, message: 'sub: expected 1-64 letters, digits, - or _' };
    const channel = typeof id === 'string' ? this.channels.get(id) : undefined;
    // Another session's channel is answered as missing: its id tells nothing.
    if (channel === undefined || channel.session !== session) return { status: 404, message: 'no such live channel: it closed, open a new one' };
    return { channel, sub };
  }
}
