import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HearthError, type HostEvent, type ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { mountsUnder } from '../support/leftovers.js';
import { packExample, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';
import { connectRpc } from '../support/rpc.js';

const PORT_BASE = 20_600 + Math.floor(Math.random() * 200);
const TCP_PORT = PORT_BASE + 250;
const ID = 'hello-world';

/** What tools that drive the host API rely on: notifications, serialized operations, the TCP listener. */
describe.skipIf(skipUnless({ root: isRoot }))('the control API for tools: events, concurrent calls, the TCP listener', () => {
  let work: string;
  let archive: string;
  let hearthd: TestHearthd;

  const runningContainers = async (): Promise<string[]> =>
    (await execa('lxc-ls', ['-P', join(hearthd.dataDir, 'lxc'), '--running', '-1'])).stdout.split('\n').filter(Boolean);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-events-'));
    const key = await publisherKey(join(work, 'key.pem'));
    archive = await packExample(ID, key, join(work, 'hello-world.hpk'));
    hearthd = await TestHearthd.start(PORT_BASE, {}, ['--listen-tcp', `127.0.0.1:${TCP_PORT}`]);
    await hearthd.trust(key);
  });

  afterAll(async () => {
    await hearthd?.cli('uninstall', ID, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a subscriber sees install progress, the install, each state up to ready, the stop and the uninstall', async () => {
    const events: HostEvent[] = [];
    await using client = await connectRpc(hearthd.socket, (method, params) => {
      if (method === 'event') events.push(params as HostEvent);
    });
    await client.request('events.subscribe', {});

    await client.request('package.install', { path: archive });
    await client.request<ServiceStatus>('service.start', { id: ID, waitReady: true });
    await client.request('service.stop', { id: ID });
    await client.request('package.uninstall', { id: ID });
    await expect.poll(() => events.some((e) => e.type === 'package.uninstalled')).toBe(true);

    // Install and uninstall events in order, repeated progress events counted once.
    const steps = events.flatMap((e) => (e.type === 'service.status' ? [] : [e.type === 'install.progress' ? e.phase : e.type]));
    expect(steps.filter((step, i) => step !== steps[i - 1])).toEqual(['copying', 'verifying', 'committing', 'package.installed', 'done', 'package.uninstalled']);
    const statuses = events.flatMap((e) => (e.type === 'service.status' ? [e.status] : []));
    const firstReady = statuses.findIndex((s) => s.ready);
    expect(firstReady).toBeGreaterThan(0); // states before ready were announced too
    expect(statuses[firstReady]).toMatchObject({ id: ID, state: 'running', daemons: [{ id: 'web', state: 'ready' }] });
    expect(statuses.at(-1)).toMatchObject({ id: ID, state: 'stopped', ready: false });
    expect(events.at(-1)).toEqual({ type: 'package.uninstalled', id: ID, purged: false });
  });

  test('five concurrent starts of one service start one container, and every caller gets it ready', async () => {
    await hearthd.json('install', archive);
    await using client = await connectRpc(hearthd.socket);
    const results = await Promise.all(Array.from({ length: 5 }, () => client.request<ServiceStatus>('service.start', { id: ID, waitReady: true })));
    expect(results.map((s: ServiceStatus) => s.ready)).toEqual([true, true, true, true, true]);
    expect(new Set(results.map((s: ServiceStatus) => s.container?.initPid)).size).toBe(1);
    expect(await runningContainers()).toEqual([`hearth-${ID}`]);

    // Stop and start racing: they run one after the other, never interleaved, and the last one wins.
    await Promise.all([client.request('service.stop', { id: ID }), client.request<ServiceStatus>('service.start', { id: ID, waitReady: true })]);
    expect(await client.request('service.status', { id: ID })).toMatchObject({ state: 'running', ready: true });
    expect(await runningContainers()).toEqual([`hearth-${ID}`]);
    await client.request('service.stop', { id: ID });
    await hearthd.json('uninstall', ID);
  });

  test('a start racing an uninstall is ready before it, told it was stopped by it, or refused as not installed; nothing is left', async () => {
    await hearthd.json('install', archive);
    await using client = await connectRpc(hearthd.socket);
    const [started, uninstalled] = await Promise.allSettled([client.request<ServiceStatus>('service.start', { id: ID, waitReady: true }), client.request('package.uninstall', { id: ID })]);
    expect(uninstalled.status).toBe('fulfilled');
    // Every outcome is checked: ready before the uninstall came, stopped by it while waiting, or refused after it.
    const outcome =
      started.status === 'fulfilled'
        ? `resolved ${started.value.ready ? 'ready' : `not ready (${started.value.state})`}`
        : started.reason instanceof HearthError
          ? started.reason.code
          : `not a hearth error: ${String(started.reason)}`;
    expect(['resolved ready', 'SERVICE_NOT_RUNNING', 'PACKAGE_NOT_INSTALLED']).toContain(outcome);
    expect(await hearthd.json('ls')).toEqual([]);
    expect(await runningContainers()).toEqual([]);
    expect(mountsUnder(join(hearthd.dataDir, 'run'))).toEqual([]);
  });

  test('the TCP listener answers with the bearer token from the data dir, and refuses without it', async () => {
    const token = (await readFile(join(hearthd.dataDir, 'api-token'), 'utf8')).trim();
    const call = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${TCP_PORT}/`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server.info', params: {} }) });
    const refused = await call({});
    expect(refused.status).toBe(401);
    const answered = await call({ authorization: `Bearer ${token}` });
    expect(await answered.json()).toMatchObject({ id: 1, result: { dataDir: hearthd.dataDir, socket: hearthd.socket } });
  });
});
