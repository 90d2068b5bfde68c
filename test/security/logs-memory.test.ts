import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TestHearthd } from '../support/hearthd.js';
import { packExample, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';
import { RawClient, expectServerInfo } from '../support/raw-socket.js';
import { processAlive } from '../support/leftovers.js';

/**
 * Large logs read concurrently do not exhaust hearthd (finding 5 of issue 10): with a 96 MiB heap,
 * reading a few hundred MB of log in full would kill it; reading from the end does not.
 */

const FILE_BYTES = 80 * 1024 * 1024;
const FILES = ['daemons.log.3', 'daemons.log.2', 'daemons.log.1', 'daemons.log'];
const CONCURRENT_CALLS = 8;
const LIMIT = 10_000;

/** Write `bytes` of JSON-line log entries, numbered from `first`; returns the next number. */
async function writeLog(path: string, bytes: number, first: number): Promise<number> {
  const out = createWriteStream(path);
  let n = first;
  let written = 0;
  while (written < bytes) {
    let block = '';
    while (block.length < 1 << 20) {
      block += `${JSON.stringify({ daemon: n % 7 === 0 ? 'db' : 'web', stream: 'stdout', line: `entry ${n} ${'x'.repeat(60)}`, time: n })}\n`;
      n += 1;
    }
    written += block.length;
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return n;
}

describe.skipIf(skipUnless({ root: isRoot }))('service.logs on a service with a large log', () => {
  let work: string;
  let hearthd: TestHearthd;
  let last: number;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-logs-memory-'));
    const key = await publisherKey(join(work, 'publisher.pem'));
    const archive = await packExample('hello-world', key, join(work, 'hello-world.hpk'));
    hearthd = await TestHearthd.start(24_000 + Math.floor(Math.random() * 5000), { NODE_OPTIONS: '--max-old-space-size=96' });
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    // As root on the host, as if the service had been chatty for a long time.
    const logsDir = join(hearthd.dataDir, 'logs', 'hello-world');
    await mkdir(logsDir, { recursive: true });
    let n = 0;
    for (const file of FILES) n = await writeLog(join(logsDir, file), FILE_BYTES, n);
    last = n - 1;
  }, 300_000);

  afterAll(async () => {
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('concurrent reads of the newest entries leave hearthd alive and answer from the end', async () => {
    const clients = await Promise.all(Array.from({ length: CONCURRENT_CALLS }, () => RawClient.open(hearthd.socket)));
    clients.forEach((c, i) => {
      const params = i % 2 === 0 ? { id: 'hello-world', limit: LIMIT } : { id: 'hello-world', daemon: 'db', limit: LIMIT };
      c.write(`${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'service.logs', params })}\n`);
    });
    const replies = await Promise.all(clients.map(async (c) => (await c.waitReplies(1, 60_000))[0] as { result?: { entries: { time: number; daemon: string }[] } }));
    for (const c of clients) c.destroy();
    expect(processAlive(hearthd.pid ?? -1)).toBe(true);
    for (const [i, reply] of replies.entries()) {
      const entries = reply.result?.entries ?? [];
      expect(entries).toHaveLength(LIMIT);
      if (i % 2 === 0) expect(entries.at(-1)?.time).toBe(last);
      else expect(entries.every((e) => e.daemon === 'db')).toBe(true);
    }
    await expectServerInfo(hearthd.socket);
  }, 120_000);

  test('a read that matches nothing scans every file and still leaves hearthd alive', async () => {
    const client = await RawClient.open(hearthd.socket);
    client.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'service.logs', params: { id: 'hello-world', since: Number.MAX_SAFE_INTEGER } })}\n`);
    const [reply] = await client.waitReplies(1, 60_000);
    client.destroy();
    expect(reply).toMatchObject({ id: 1, result: { entries: [] } });
    await expectServerInfo(hearthd.socket);
  }, 120_000);

  test('a limit over the cap is refused by name', async () => {
    const client = await RawClient.open(hearthd.socket);
    client.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'service.logs', params: { id: 'hello-world', limit: 100_000 } })}\n`);
    const [reply] = await client.waitReplies(1);
    client.destroy();
    expect(reply).toMatchObject({ error: { data: { code: 'INVALID_PARAMS' } } });
  });
});
