import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DaemonStatus, HostEvent, LogEntry, ServiceStatus } from '@hearth/sdk/contract';
import type { RpcPeer } from '@hearth/sdk/rpc';
import { TestHearthd } from '../support/hearthd.js';
import { mountsUnder, processAlive, processTree } from '../support/leftovers.js';
import { keygen, packDir } from '../support/packages.js';
import { connectRpc } from '../support/rpc.js';
import { FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const PORT_BASE = 19_000 + Math.floor(Math.random() * 500);
const POLL = { timeout: 30_000, interval: 100 };
/** The crasher's restart policy in the fixture: 100 ms, then doubled up to 200 ms. */
const CRASHER_INITIAL_DELAY_MS = 100;
const CRASHER_MAX_DELAY_MS = 200;

describe.skipIf(skipUnless({ root: isRoot }))('the service manager, with real daemons in a real container', () => {
  let work: string;
  let hearthd: TestHearthd;
  let initPid: number;
  let events: (RpcPeer & AsyncDisposable) | undefined;
  /** Every state each daemon went through, in order, as the runtime stamped it (from hearthd's events). */
  const history = new Map<string, DaemonStatus[]>();
  const recordStatus = (status: ServiceStatus): void => {
    for (const d of status.daemons) {
      const seen = history.get(d.id) ?? [];
      const last = seen.at(-1);
      if (last?.state !== d.state || last.since !== d.since) seen.push(d);
      history.set(d.id, seen);
    }
  };
  /** The runtime's own log (JSON lines on its console), parsed; other console lines are left out. */
  const runtimeLog = async (): Promise<Record<string, unknown>[]> =>
    (await readFile(join(hearthd.dataDir, 'logs', 'supervision', 'runtime.log'), 'utf8'))
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  const status = () => hearthd.json<ServiceStatus>('status', 'supervision');
  const daemon = async (id: string): Promise<DaemonStatus | undefined> => (await status()).daemons.find((d) => d.id === id);
  const logs = async (): Promise<LogEntry[]> => {
    const result = await hearthd.cli('logs', 'supervision', '--json', '--tail', '10000');
    return result.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogEntry);
  };
  const firstTime = (entries: LogEntry[], daemonId: string, text: string): number =>
    entries.find((e) => e.daemon === daemonId && e.line.includes(text))?.time ?? Number.NaN;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-supervision-'));
    const key = await keygen(join(work, 'key.pem'));
    const archive = await packDir(join(FIXTURES, 'supervision'), 'build-images.sh', key, join(work, 'supervision.hpk'));
    hearthd = await TestHearthd.start(PORT_BASE);
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    // Subscribed before the start, so every state change of every daemon is seen.
    events = await connectRpc(hearthd.socket, (method, params) => {
      const event = params as HostEvent;
      if (method === 'event' && event.type === 'service.status' && event.status.id === 'supervision') recordStatus(event.status);
    });
    await events.request('events.subscribe', {});
    const started = await hearthd.json<ServiceStatus>('start', 'supervision', '--no-wait');
    initPid = started.container!.initPid;
  });

  afterAll(async () => {
    await events?.[Symbol.asyncDispose]();
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('daemons start in dependency order: the task exits 0 first, then the server, then its client', async () => {
    await expect.poll(async () => (await logs()).some((e) => e.daemon === 'client' && e.line.startsWith('got: ')), POLL).toBe(true);
    const entries = await logs();
    const prepareDone = firstTime(entries, 'prepare', 'prepare done');
    const serverStart = firstTime(entries, 'server', 'server starts');
    const clientStart = firstTime(entries, 'client', 'client starts');
    expect(prepareDone).toBeLessThanOrEqual(serverStart);
    expect(serverStart).toBeLessThan(clientStart);
    expect((await daemon('prepare'))?.state).toBe('exited');
    expect((await daemon('server'))?.state).toBe('ready');
  });

  test('a daemon in one image serves on a unix socket in /run and a daemon in another image uses it', async () => {
    const entries = await logs();
    expect(entries.some((e) => e.daemon === 'client' && e.line === 'client starts in image-b')).toBe(true);
    expect(entries.some((e) => e.daemon === 'client' && e.line === 'got: hello from image-a')).toBe(true);
  });

  test('a readiness check that times out makes the daemon not-ready with the reason', async () => {
    await expect.poll(async () => (await daemon('never-ready'))?.state, POLL).toBe('not-ready');
    expect((await daemon('never-ready'))?.message).toMatch(/port 7999 does not accept connections \(\d+ failures in a row\)/);
  });

  test('a daemon whose requirement never becomes ready stays waiting and says which', async () => {
    const dependent = await daemon('dependent');
    expect(dependent?.state).toBe('waiting');
    expect(dependent?.message).toBe('waiting for never-ready');
  });

  test('when a requirement turns not-ready again, a dependent is shown waiting (still running), or stopped until it recovers', async () => {
    await expect.poll(async () => [(await daemon('follower'))?.state, (await daemon('pauser'))?.state], POLL).toEqual(['ready', 'ready']);
    const followerPid = (await daemon('follower'))?.pid;
    const pauserPid = (await daemon('pauser'))?.pid;
    expect(followerPid).toBeGreaterThan(0);

    expect((await hearthd.cli('exec', 'supervision', '--daemon', 'toggle', '--', 'rm', '/run/toggle-ready')).exitCode).toBe(0);
    await expect.poll(async () => (await daemon('toggle'))?.state, POLL).toBe('not-ready');
    await expect.poll(async () => (await daemon('pauser'))?.state, POLL).toBe('waiting');
    expect(await daemon('follower')).toMatchObject({ state: 'waiting', pid: followerPid, message: 'waiting for toggle to be ready again; still running' });
    expect(await daemon('pauser')).toMatchObject({ message: 'waiting for toggle' });
    expect((await daemon('pauser'))?.pid).toBeUndefined();

    expect((await hearthd.cli('exec', 'supervision', '--daemon', 'toggle', '--', 'touch', '/run/toggle-ready')).exitCode).toBe(0);
    await expect.poll(async () => [(await daemon('follower'))?.state, (await daemon('pauser'))?.state], POLL).toEqual(['ready', 'ready']);
    expect((await daemon('follower'))?.pid).toBe(followerPid);
    expect((await daemon('pauser'))?.pid).not.toBe(pauserPid);
    expect((await logs()).filter((e) => e.daemon === 'pauser' && e.line === 'pauser started')).toHaveLength(2);
  });

  test('a crash loop ends in failed with the exit code and its last output, after restarts with backoff', async () => {
    await expect.poll(async () => (await daemon('crasher'))?.state, POLL).toBe('failed');
    // Each restart waits at least its delay: from the runtime's stamp of "restarting" to that of the next run.
    const states = history.get('crasher') ?? [];
    const gaps = states.flatMap((s, i) => {
      const next = states[i + 1];
      return s.state === 'restarting' && next !== undefined ? [next.since - s.since] : [];
    });
    expect(gaps).toHaveLength(2);
    expect(gaps[0]).toBeGreaterThanOrEqual(CRASHER_INITIAL_DELAY_MS);
    expect(gaps[1]).toBeGreaterThanOrEqual(Math.min(2 * CRASHER_INITIAL_DELAY_MS, CRASHER_MAX_DELAY_MS));
    const crasher = await daemon('crasher');
    expect(crasher?.exitCode).toBe(3);
    expect(crasher?.message).toContain('exited with code 3; it exited 3 times within 300 s, so it is not restarted again');
    expect(crasher?.message).toContain('last output: crashing now');
    expect((await logs()).filter((e) => e.daemon === 'crasher' && e.line === 'crashing now')).toHaveLength(3);
  });

  test('an HTTP readiness check passes, and a failing liveness check restarts the daemon', async () => {
    await expect.poll(async () => (await daemon('flaky'))?.restarts ?? 0, POLL).toBeGreaterThan(0);
    await expect.poll(async () => (await daemon('flaky'))?.state, POLL).toBe('ready');
    // Ready by HTTP first, then restarted because liveness failed (not because it crashed).
    const states = (history.get('flaky') ?? []).map((d) => d.state);
    const firstRestart = states.indexOf('restarting');
    expect(states.slice(0, firstRestart)).toContain('ready');
    expect(history.get('flaky')?.[firstRestart]?.message).toMatch(/^liveness check failed: /);
    const entries = await runtimeLog();
    expect(entries.filter((e) => e.daemon === 'flaky' && e.level === 'error')).toEqual([]);
    expect(entries.some((e) => e.daemon === 'flaky' && e.level === 'warn' && e.message === 'liveness check failed; restarting')).toBe(true);
  });

  test("a function health check reports the package function's message", async () => {
    await expect.poll(async () => (await daemon('by-function'))?.state, POLL).toBe('not-ready');
    expect((await daemon('by-function'))?.message).toBe('the package function says no (1 failure in a row)');
  });

  test('an orphan that left its daemon is adopted and reaped by init.lxc', async () => {
    await expect.poll(async () => (await logs()).some((e) => e.daemon === 'forker' && e.line === 'forked'), POLL).toBe(true);
    // The orphan's parent on the host is the container's init.
    // Processes come and go meanwhile (the client's loop, restarts): one that exits as we look is not it.
    const read = (pid: number, file: string): string => {
      try {
        return readFileSync(`/proc/${pid}/${file}`, 'utf8');
      } catch {
        return '';
      }
    };
    const orphan = processTree(initPid).find((pid) => pid !== initPid && read(pid, 'stat').split(' ')[3] === String(initPid) && read(pid, 'cmdline').startsWith('sleep'));
    expect(orphan).toBeDefined();
    process.kill(orphan!, 'SIGKILL');
    // Reaped, not left a zombie: the pid disappears entirely.
    await expect.poll(() => existsSync(`/proc/${orphan}`), POLL).toBe(false);
  });

  test('stop kills a daemon that ignores SIGTERM after its timeout and leaves nothing; logs survive a restart', async () => {
    const tree = processTree(initPid);
    const stopped = await hearthd.json<ServiceStatus>('stop', 'supervision');
    const stoppedAt = Date.now();
    expect(stopped.state).toBe('stopped');
    const runtimeLog = await readFile(join(hearthd.dataDir, 'logs', 'supervision', 'runtime.log'), 'utf8');
    expect(runtimeLog).toMatch(/daemon did not stop in time; killing it.*"daemon":"stubborn"/);
    expect(tree.filter(processAlive)).toEqual([]);
    expect(mountsUnder(join(hearthd.dataDir, 'run'))).toEqual([]);
    expect(existsSync(join(hearthd.dataDir, 'run', 'supervision'))).toBe(false);

    // Every line of the first run is still there, in order, before the lines of the second.
    const before = await logs();
    expect(before.filter((e) => e.line === 'crashing now')).toHaveLength(3);
    await hearthd.json('start', 'supervision', '--no-wait');
    await expect.poll(async () => (await logs()).filter((e) => e.daemon === 'client' && e.line.startsWith('got: ') && e.time > stoppedAt).length, POLL).toBeGreaterThan(1);
    await expect.poll(async () => (await daemon('crasher'))?.state, POLL).toBe('failed');
    const after = await logs();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.filter((e) => e.line === 'crashing now')).toHaveLength(6);
    await hearthd.json('stop', 'supervision');
    await hearthd.json('uninstall', 'supervision', '--purge', '--yes');
  });
});
