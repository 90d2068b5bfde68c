import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONTAINER_PATHS, HOST_SOCKET_NAME, type ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { packExample, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';
import { connectRpc } from '../support/rpc.js';
import { expectServerInfo } from '../support/raw-socket.js';
import { mountsUnder, processAlive } from '../support/leftovers.js';

/**
 * The runtime connection fuzzed from inside a container (finding 4 of issue 10). hearthd serves one
 * runtime connection per container and the real runtime holds it, so: the runtime is frozen
 * (SIGSTOP), hearthd restarts and waits to adopt the container, and a node script run as container
 * root (lxc-attach, the base rootfs's node) connects to the container's host socket first and
 * plays a hostile runtime. After every case hearthd answers server.info.
 */

const DEPTH = 100_000;
const LINE_BOUND = 8 * 1024 * 1024;
const HOST_SOCKET = `${CONTAINER_PATHS.hostDir}/${HOST_SOCKET_NAME}`;
const deep = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
const CONTAINER = 'hearth-hello-world';

/** Inside the container: bytes from stdin (base64 lines) to hearthd; hearthd's lines to stdout. */
const ATTACKER = `
const sock = require('net').connect(process.argv[1]);
sock.on('connect', () => process.stdout.write('{"attacker":"connected"}\\n'));
sock.on('data', (d) => process.stdout.write(d));
sock.on('close', () => { process.stdout.write('\\n{"attacker":"closed"}\\n'); process.exit(0); });
sock.on('error', () => undefined);
let rest = '';
process.stdin.on('data', (d) => {
  const parts = (rest + d).split('\\n');
  rest = parts.pop();
  for (const p of parts) if (p) sock.write(Buffer.from(p, 'base64'));
});`;

type Message = { id?: unknown; method?: string; result?: unknown; error?: unknown; attacker?: string };

describe.skipIf(skipUnless({ root: isRoot }))('a hostile runtime connection never takes hearthd down', () => {
  let work: string;
  let hearthd: TestHearthd;
  let runtimePid = 0;
  let attacker: ResultPromise | null = null;
  const fromHost: Message[] = [];
  /** hearthd's adoption request, answered once the hostile notifications are through. */
  let status: Message | undefined;

  const send = (payload: string | Buffer): void => {
    attacker?.stdin?.write(`${Buffer.from(payload).toString('base64')}\n`);
  };
  /** The first message from hearthd that matches, taken off the list (polled: usable in beforeAll too). */
  const next = async (match: (m: Message) => boolean, timeoutMs = 15_000): Promise<Message> => {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(20)) {
      const found = fromHost.find(match);
      if (found) {
        fromHost.splice(fromHost.indexOf(found), 1);
        return found;
      }
    }
    throw new Error(`no matching message from hearthd within ${timeoutMs} ms; got ${JSON.stringify(fromHost).slice(0, 500)}`);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-fuzz-runtime-'));
    const key = await publisherKey(join(work, 'publisher.pem'));
    const archive = await packExample('hello-world', key, join(work, 'hello-world.hpk'));
    hearthd = await TestHearthd.start(24_000 + Math.floor(Math.random() * 5000));
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    const started = await hearthd.json<ServiceStatus>('start', 'hello-world');
    const initPid = started.container?.initPid ?? 0;
    runtimePid = Number(readFileSync(`/proc/${initPid}/task/${initPid}/children`, 'utf8').trim().split(' ')[0]);
    expect(readFileSync(`/proc/${runtimePid}/cmdline`, 'utf8')).toContain('node');
    // Freeze the real runtime so that the next hearthd's only runtime is the attacker.
    process.kill(runtimePid, 'SIGSTOP');
    await hearthd.kill9();
    await hearthd.launch();
    expect(started.container?.name).toBe(CONTAINER);
    attacker = execa('lxc-attach', ['-P', join(hearthd.dataDir, 'lxc'), '-n', CONTAINER, '--', '/usr/bin/node', '-e', ATTACKER, HOST_SOCKET], {
      buffer: false,
      reject: false,
    });
    let rest = '';
    attacker.stdout?.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) fromHost.push(JSON.parse(p) as Message);
    });
    await next((m) => m.attacker === 'connected');
  }, 300_000);

  afterAll(async () => {
    attacker?.kill('SIGKILL');
    if (runtimePid > 0 && processAlive(runtimePid)) process.kill(runtimePid, 'SIGCONT');
    await hearthd?.stop();
    // hearthd stops the container; if an attack case left it otherwise, it must not outlive the test.
    if (hearthd) {
      await execa('lxc-stop', ['-P', join(hearthd.dataDir, 'lxc'), '-n', CONTAINER, '-k'], { reject: false });
      for (const mount of mountsUnder(hearthd.dir).reverse()) await execa('umount', [mount], { reject: false });
    }
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const refusedWithNullId = async (payload: string): Promise<void> => {
    send(payload);
    expect(await next((m) => m.id === null)).toMatchObject({ error: {} });
    await expectServerInfo(hearthd.socket);
  };

  test('a hello with a 10^5-deep id is refused', () => refusedWithNullId(`{"jsonrpc":"2.0","id":${deep},"method":"runtime.hello"}\n`));
  test('a hello with an object id is refused', () => refusedWithNullId('{"jsonrpc":"2.0","id":{"a":[1]},"method":"runtime.hello"}\n'));
  test('a hello with 10^5-deep params is refused', () => refusedWithNullId(`{"jsonrpc":"2.0","id":2,"method":"runtime.hello","params":${deep}}\n`));
  test('a 10^5-deep notification is refused', () => refusedWithNullId(`{"jsonrpc":"2.0","method":"runtime.log","params":{"daemon":${deep}}}\n`));

  test('a real hello is answered, and hearthd asks the attacker for the status', async () => {
    send('{"jsonrpc":"2.0","id":1,"method":"runtime.hello","params":{"runtimeVersion":"0","pid":1}}\n');
    expect(await next((m) => m.id === 1 && m.method === undefined)).toMatchObject({ result: { serviceId: 'hello-world' } });
    status = await next((m) => m.method === 'runtime.status');
    await expectServerInfo(hearthd.socket);
  });

  test('notifications of wrong shapes, prototype methods, bad UTF-8 and batches are dropped', async () => {
    const note = (method: string, params: unknown): string => `${JSON.stringify({ jsonrpc: '2.0', method, params })}\n`;
    send(
      [
        note('runtime.daemonState', { id: { a: [1] }, state: 'ready', since: 1 }),
        note('runtime.daemonState', { id: 'web', state: '__proto__', since: 1 }),
        note('runtime.log', { daemon: 'web', stream: 'stdout', line: ['x'], time: 1 }),
        note('runtime.execOutput', { execId: 'x'.repeat(10_000), stream: 'stdout', data: 'x' }),
        note('__proto__', { constructor: 1 }),
        note('constructor', {}),
        '[{"jsonrpc":"2.0","method":"runtime.log"}]\n',
      ].join(''),
    );
    send(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","method":"runtime.log","params":{"daemon":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}\n\x80\x81\n')]));
    send(`{"jsonrpc":"2.0","id":3,"method":"constructor","params":{"__proto__":{"x":1}}}\n`);
    expect(await next((m) => m.id === 3 && m.method === undefined)).toMatchObject({ error: { data: { code: 'METHOD_NOT_FOUND' } } });
    await expectServerInfo(hearthd.socket);
  });

  test('a 7 MiB log line and a flood of 50000 log notifications leave hearthd answering', async () => {
    send(`${JSON.stringify({ jsonrpc: '2.0', method: 'runtime.log', params: { daemon: 'web', stream: 'stdout', line: 'l'.repeat(7 << 20), time: Date.now() } })}\n`);
    const one = `${JSON.stringify({ jsonrpc: '2.0', method: 'runtime.log', params: { daemon: 'web', stream: 'stderr', line: 'flood', time: Date.now() } })}\n`;
    for (let i = 0; i < 50; i += 1) send(one.repeat(1000));
    await expectServerInfo(hearthd.socket);
    await using client = await connectRpc(hearthd.socket);
    await expect.poll(async () => (await client.request<{ entries: { line: string }[] }>('service.logs', { id: 'hello-world', limit: 1 })).entries[0]?.line, { timeout: 30_000 }).toBe('flood');
    const long = await client.request<{ entries: { line: string }[] }>('service.logs', { id: 'hello-world', since: 0, limit: 10_000, daemon: 'web' });
    expect(Math.max(...long.entries.map((e) => e.line.length))).toBeLessThanOrEqual(16 * 1024);
  });

  test('malformed answers to hearthd’s requests become errors, not crashes', async () => {
    const answer = (id: unknown, body: string): void => send(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},${body}}\n`);
    // Let the adoption finish, so that hearthd goes on asking the attacker.
    answer(status?.id, `"result":{"daemons":[{"id":"web","state":"ready","since":${Date.now()}}]}`);
    await using client = await connectRpc(hearthd.socket);
    await expect.poll(async () => (await client.request<ServiceStatus>('service.status', { id: 'hello-world' })).state, { timeout: 15_000 }).toBe('running');
    const stats = client.request<{ services: { daemons: unknown[] }[] }>('service.stats', { id: 'hello-world' });
    answer((await next((m) => m.method === 'runtime.stats')).id, '"result":{"daemons":"all of them"}');
    expect((await stats).services[0]?.daemons).toEqual([]);
    const exec = client.request('service.exec', { id: 'hello-world', command: ['true'] }).catch((e: unknown) => e);
    answer((await next((m) => m.method === 'runtime.exec')).id, `"error":{"code":{"a":1},"message":["x"]}`);
    expect(await exec).toMatchObject({ code: 'INTERNAL' });
    const put = client.request('service.put', { id: 'hello-world', path: '/x', contentBase64: '' }).catch((e: unknown) => e);
    answer((await next((m) => m.method === 'runtime.putFile')).id, `"result":${'[1,'.repeat(60)}1${']'.repeat(60)}`);
    expect(await put).toMatchObject({ code: 'CONTAINER_FAILED' });
    answer(424242, '"result":1');
    answer('not-ours', `"result":${deep}`);
    await expectServerInfo(hearthd.socket);
  });

  test('a line that never ends is refused at the bound and the connection closed', async () => {
    const chunk = 'a'.repeat(1 << 20);
    for (let sent = 0; sent <= LINE_BOUND; sent += chunk.length) send(chunk);
    await next((m) => m.attacker === 'closed', 30_000);
    await expectServerInfo(hearthd.socket);
  });
});
