import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DaemonStatus, ExecOutput, LogEntry, RuntimeMethods } from '@hearth/sdk/contract';
import { createRpcPeer, type RpcPeer } from '@hearth/sdk/rpc';
import { APP_UID, BUSYBOX, DECLARED_OWNER, PAGE, alive, collapse, httpGetOverUnixSocket, isStaticElf, makeMediaDir, mountsUnder } from './harness.js';

/**
 * The runtime outside a container: as root on this host, in a private mount and network namespace
 * (`unshare -m -n`), with a hand-made media dir laid out like /media/hearth, a busybox image, and
 * this test playing hearthd on `host/host.sock`. Only loopback (inside the namespace) and unix
 * sockets are used.
 */

const RUNTIME_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
const POLL = { timeout: 15_000, interval: 50 };
const EXIT_WAIT_MS = 20_000;

const canRun = process.getuid?.() === 0 && isStaticElf(BUSYBOX);
// npm test (HEARTH_REQUIRE_ALL=1) fails instead of skipping; a developer without root skips (test/support/require.ts).
if (!canRun && process.env.HEARTH_REQUIRE_ALL === '1') throw new Error(`this suite needs root and a static ${BUSYBOX} (HEARTH_REQUIRE_ALL is set, so it fails instead of being skipped)`);

/** unshare without --fork execs node, so the pid we hold is the runtime's; its mounts stay in its namespace. */
function startRuntime(media: string) {
  return execa('unshare', ['--mount', '--propagation', 'private', '--net', process.execPath, RUNTIME_MAIN], {
    env: { HEARTH_MEDIA_DIR: media },
    reject: false,
    all: true,
  });
}

describe.skipIf(!canRun)('the container runtime, run as root in a private mount and network namespace', () => {
  let work: string;
  let media: string;
  let server: Server;
  let peer: RpcPeer | null = null;
  let runtime: ReturnType<typeof startRuntime> | null = null;
  let runtimePid = -1;
  const hellos: { runtimeVersion: string; pid: number }[] = [];
  const states: DaemonStatus[] = [];
  const logs: LogEntry[] = [];
  const outputs: ExecOutput[] = [];
  const daemonPids = new Set<number>();

  const call = <M extends keyof RuntimeMethods>(method: M, params: RuntimeMethods[M]['params'] | Record<string, never> = {}): Promise<RuntimeMethods[M]['result']> => {
    if (peer === null) throw new Error('the runtime has not connected');
    return peer.request<RuntimeMethods[M]['result']>(method, params, 30_000);
  };
  const daemon = async (id: string): Promise<DaemonStatus | undefined> => (await call('runtime.status')).daemons.find((d) => d.id === id);
  const web = (): Promise<DaemonStatus | undefined> => daemon('web');
  /** Run a command in a daemon and collect what it wrote. */
  const exec = async (params: Omit<RuntimeMethods['runtime.exec']['params'], 'execId'> & { execId?: string }) => {
    const execId = params.execId ?? `x${Math.random()}`;
    const result = await call('runtime.exec', { timeoutMs: 5_000, ...params, execId });
    return { ...result, stdout: outputs.filter((o) => o.execId === execId && o.stream === 'stdout').map((o) => o.data).join('') };
  };

  beforeAll(async () => {
    if (!existsSync(RUNTIME_MAIN)) throw new Error(`${RUNTIME_MAIN} is missing: run \`npx tsc -b container-runtime\` first`);
    work = await mkdtemp(join(tmpdir(), 'hearth-runtime-'));
    media = join(work, 'media');
    await makeMediaDir(media);

    // This test is hearthd: it serves runtime.hello and collects the runtime's notifications.
    server = createServer((socket) => {
      const connection = createRpcPeer(socket, {
        onNotification: (method, params) => {
          if (method === 'runtime.daemonState') {
            const status = params as DaemonStatus;
            states.push(status);
            if (status.pid !== undefined) daemonPids.add(status.pid);
          } else if (method === 'runtime.log') logs.push(params as LogEntry);
          else if (method === 'runtime.execOutput') outputs.push(params as ExecOutput);
        },
      });
      connection.addMethod('runtime.hello', (params) => {
        hellos.push(params as { runtimeVersion: string; pid: number });
        peer = connection;
        return { serviceId: 'runtime-test' };
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(join(media, 'host', 'host.sock'), resolve);
    });

    runtime = startRuntime(media);
    runtimePid = runtime.pid ?? -1;
    const deadline = Date.now() + POLL.timeout;
    while (hellos.length === 0 && Date.now() < deadline && alive(runtimePid)) await sleep(POLL.interval);
    if (hellos.length === 0) throw new Error(`the runtime did not say hello: ${(await Promise.race([runtime, sleep(1_000)]))?.all ?? 'still running'}`);
    // The package is loaded only after the hello (as hearthd does, wait for it): until then the
    // runtime knows no daemons.
    expect(await call('runtime.loaded')).toEqual({ ok: true });
  });

  afterAll(async () => {
    // Only what this test started, by the pids it holds: the runtime, then any daemon group it left.
    if (runtime !== null && runtimePid > 0 && alive(runtimePid)) {
      process.kill(runtimePid, 'SIGTERM');
      const exited = await Promise.race([runtime.then(() => true), sleep(EXIT_WAIT_MS).then(() => false)]);
      if (!exited) process.kill(runtimePid, 'SIGKILL');
    }
    for (const pid of daemonPids) {
      if (!alive(pid)) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // the group went away between the check and the kill
      }
    }
    await runtime;
    peer?.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    // The runtime mounted only in its own namespace, gone with it; never delete through a mount.
    if (work && mountsUnder(work).length === 0) await rm(work, { recursive: true, force: true });
  }, 60_000);

  test('says hello with its version and pid once connected', () => {
    expect(hellos).toEqual([{ runtimeVersion: expect.any(String) as string, pid: runtimePid }]);
  });

  test('before start every daemon is waiting', async () => {
    expect((await web())?.state).toBe('waiting');
  });

  test('start mounts the image, spawns the daemon chrooted, and it turns ready by its tcp check', async () => {
    const started = await call('runtime.start');
    expect(started.daemons.map((d) => d.id)).toEqual(['web', 'worker']);
    expect(['starting', 'ready']).toContain(started.daemons[0]?.state);
    // Waiting lists only what is still unmet.
    expect(started.daemons[1]).toMatchObject({ state: 'waiting', message: 'waiting for web' });
    await expect.poll(async () => { const w = await web(); return `${w?.state}: ${w?.message ?? ''}`; }, POLL).toMatch(/^ready/);
    expect(states.map((s) => s.state)).toContain('ready');
    const status = await web();
    expect(status?.pid).toBeGreaterThan(0);
    // Overlay, the four shared binds and the volume, in the runtime's namespace and not in ours.
    const root = join(media, 'scratch', 'web', 'root');
    expect(mountsUnder(root, runtimePid)).toEqual(expect.arrayContaining([root, `${root}/proc`, `${root}/dev`, `${root}/run`, `${root}/sys`, `${root}/www`]));
    expect(mountsUnder(work)).toEqual([]);
  });

  test('the interface socket relays an HTTP request to the daemon on the namespace loopback', async () => {
    const reply = await httpGetOverUnixSocket(join(media, 'sockets', 'iface-web.sock'));
    expect(reply).toEqual({ status: 200, body: PAGE });
  });

  test('the volume is mounted read-only where the daemon asked', async () => {
    expect((await exec({ daemon: 'web', command: ['touch', '/www/new'] })).exitCode).not.toBe(0);
    expect(existsSync(join(media, 'volumes', 'site', 'new'))).toBe(false);
  });

  test('a daemon of a non-root image writes a fresh volume given to its user, its /run dir, and logs through /dev/stdout', async () => {
    await expect.poll(async () => { const w = await daemon('worker'); return `${w?.state}: ${w?.message ?? ''}`; }, POLL).toMatch(/^ready/);
    // Its readiness command passed only as uid 1000: checks run as the daemon's user.
    const data = statSync(join(media, 'volumes', 'data'));
    expect([data.uid, data.gid]).toEqual([APP_UID, APP_UID]);
    expect(existsSync(join(media, 'volumes', 'data', 'written'))).toBe(true);
    const logsDir = statSync(join(media, 'volumes', 'logs'));
    expect([logsDir.uid, logsDir.gid]).toEqual([DECLARED_OWNER.uid, DECLARED_OWNER.gid]);
    expect(statSync(join(media, 'run')).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(media, 'run', 'worker')).uid).toBe(APP_UID);
    // Two pipes: the order between stdout and stderr is not kept, within each it is.
    const lines = logs.filter((l) => l.daemon === 'worker').map((l) => `${l.stream}: ${l.line}`);
    expect(lines.filter((l) => l.startsWith('stdout'))).toEqual(['stdout: to-stdout', 'stdout: via-proc']);
    expect(lines.filter((l) => l.startsWith('stderr'))).toEqual(['stderr: to-stderr']);
  });

  test('every daemon root has hearth’s /etc/hosts, /etc/hostname and /etc/resolv.conf, not the image’s', async () => {
    const hosts = await exec({ daemon: 'worker', command: ['cat', '/etc/hosts'] });
    expect(hosts.stdout).toMatch(/^127\.0\.0\.1\tlocalhost runtime-test$/m);
    expect((await exec({ daemon: 'worker', command: ['cat', '/etc/hostname'] })).stdout).toBe('runtime-test\n');
    expect((await exec({ daemon: 'web', command: ['cat', '/etc/resolv.conf'] })).stdout).not.toContain('10.9.9.9');
    expect((await exec({ daemon: 'web', command: ['ping', '-c', '1', '-W', '1', 'runtime-test'] })).exitCode).toBe(0);
  });

  test('exec runs as the daemon’s user by default, as another user or root with user, and can write /dev/stdout', async () => {
    expect((await exec({ daemon: 'worker', command: ['id', '-u'] })).stdout).toBe(`${APP_UID}\n`);
    expect((await exec({ daemon: 'worker', command: ['id', '-u'], user: 'root' })).stdout).toBe('0\n');
    expect((await exec({ daemon: 'web', command: ['id', '-u'], user: '4242:4343' })).stdout).toBe('4242\n');
    expect((await exec({ daemon: 'web', command: ['sh', '-c', 'echo piped > /dev/stdout'] })).stdout).toBe('piped\n');
    await expect(exec({ daemon: 'worker', command: ['true'], user: 'nobody' })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      message: 'daemon worker (image web): exec --user "nobody": no such user in the image\'s /etc/passwd',
    });
  });

  test('cancelExec kills an exec whose caller went away, with what it started; an unknown id is not cancelled', async () => {
    // Counted from here: the test shares the runtime's pid namespace.
    const sleepers = async (): Promise<number> => (await execa('pgrep', ['-f', '^sleep 313[12]$'], { reject: false })).stdout.split('\n').filter(Boolean).length;
    const running = exec({ execId: 'long', daemon: 'web', command: ['sh', '-c', 'sleep 3131 & sleep 3132'], timeoutMs: 60_000 });
    await expect.poll(sleepers, POLL).toBe(2);
    expect(await call('runtime.cancelExec', { execId: 'long' })).toEqual({ cancelled: true });
    await expect(running).resolves.toMatchObject({ signal: 'SIGKILL', timedOut: false });
    await expect.poll(sleepers, POLL).toBe(0);
    expect(await call('runtime.cancelExec', { execId: 'long' })).toEqual({ cancelled: false });
  });

  test('an exec past its timeout is killed with what it started, and says it timed out', async () => {
    const sleepers = async (): Promise<number> => (await execa('pgrep', ['-f', '^sleep 3133$'], { reject: false })).stdout.split('\n').filter(Boolean).length;
    expect(await exec({ daemon: 'web', command: ['sh', '-c', 'sleep 3133 & sleep 3133'], timeoutMs: 300 })).toMatchObject({ signal: 'SIGKILL', timedOut: true });
    await expect.poll(sleepers, POLL).toBe(0);
  });

  test('an error thrown by a handler reaches the host as the same HearthError', async () => {
    if (peer === null) throw new Error('no peer');
    await expect(peer.request('runtime.exec', { execId: 'x', daemon: 'nope', command: ['true'] })).rejects.toMatchObject({
      name: 'HearthError',
      code: 'INVALID_PARAMS',
      message: 'there is no daemon "nope"',
    });
  });

  test('stop ends the daemon, unmounts everything it mounted and empties scratch; a second stop is a no-op', async () => {
    const pid = (await web())?.pid ?? -1;
    const stopped = await call('runtime.stop');
    expect(stopped.daemons.map((d) => [d.id, d.state])).toEqual([['web', 'stopped'], ['worker', 'stopped']]);
    expect(alive(pid)).toBe(false);
    expect(mountsUnder(work, runtimePid)).toEqual([]);
    expect(await readdir(join(media, 'scratch'))).toEqual([]);
    expect((await call('runtime.stop')).daemons.map((d) => d.state)).toEqual(['stopped', 'stopped']);
    // httpd wrote nothing; the runtime still sent web's state changes, in exactly this order.
    expect(collapse(states.filter((s) => s.id === 'web').map((s) => s.state))).toEqual(['starting', 'ready', 'stopping', 'stopped']);
    expect(logs.filter((l) => l.daemon === 'web')).toEqual([]);
  });

  test('exec in a stopped daemon says which daemon and image', async () => {
    await expect(exec({ daemon: 'web', command: ['true'] })).rejects.toMatchObject({ code: 'SERVICE_NOT_RUNNING', message: 'daemon web (image web) is not running, so it has no filesystem to run in' });
  });

  test('SIGTERM makes the runtime exit 0 and close its interface sockets', async () => {
    process.kill(runtimePid, 'SIGTERM');
    const result = await runtime;
    expect(result?.exitCode, result?.all).toBe(0);
    expect(readdirSync(join(media, 'sockets')).filter((f) => f.startsWith('iface-'))).toEqual([]);
    expect(mountsUnder(work)).toEqual([]);
  });
});
