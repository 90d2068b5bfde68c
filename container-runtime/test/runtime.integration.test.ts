import { existsSync, openSync, readSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DaemonStatus, LogEntry, RuntimeMethods } from '@hearth/sdk/contract';
import { createRpcPeer, type RpcPeer } from '@hearth/sdk/rpc';

/**
 * The runtime outside a container: as root on this host, in a private mount and network namespace
 * (`unshare -m -n`), with a hand-made media dir laid out like /media/hearth, a busybox image, and
 * this test playing hearthd on `host/host.sock`. Only loopback (inside the namespace) and unix
 * sockets are used.
 */

const RUNTIME_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
const BUSYBOX = '/bin/busybox';
const PORT = 8081;
const POLL = { timeout: 15_000, interval: 50 };
const EXIT_WAIT_MS = 20_000;
const PAGE = '<h1>hello from busybox</h1>\n';

/** A static binary has no PT_INTERP program header (64-bit little-endian ELF only, like this host). */
function isStaticElf(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2) return false;
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i += 1) if (table.readUInt32LE(i * phentsize) === 3) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

const canRun = process.getuid?.() === 0 && isStaticElf(BUSYBOX);
// npm test (HEARTH_REQUIRE_ALL=1) fails instead of skipping; a developer without root skips (test/support/require.ts).
if (!canRun && process.env.HEARTH_REQUIRE_ALL === '1') throw new Error(`this suite needs root and a static ${BUSYBOX} (HEARTH_REQUIRE_ALL is set, so it fails instead of being skipped)`);

/** Mount points at or under `prefix` in the mount namespace of `pid`. */
function mountsUnder(prefix: string, pid: number | 'self' = 'self'): string[] {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((m) => m === prefix || m.startsWith(`${prefix}/`));
}

/** Running, not a zombie; a process that ends while we look is not alive. */
function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** The package module as hearth-pack would bundle it, written by hand: `main` returns something shaped like Daemons. */
function packageModule(): string {
  const spec = {
    id: 'web',
    kind: 'daemon',
    image: 'web',
    command: ['httpd', '-f', '-p', String(PORT), '-h', '/www'],
    env: { GREETING: 'hi' },
    user: null,
    workdir: '/www',
    mounts: [{ volume: 'site', path: '/www', readonly: true }],
    requires: [],
    ready: { kind: 'tcp', port: PORT, intervalMs: 100, timeoutMs: 500, failureThreshold: 3, gracePeriodMs: 0 },
    live: null,
    restart: { mode: 'never', initialDelayMs: 1000, maxDelayMs: 30000, resetAfterMs: 60000, maxCrashes: 5, windowMs: 300000 },
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 10000,
    stopWhenRequirementsLost: false,
  };
  return `const spec = ${JSON.stringify(spec)};
export const main = () => ({ toSpec: () => [structuredClone(spec)], checkFunction: () => undefined });
`;
}

/** <media>/{package,images/web,volumes/site,host,sockets,scratch}, like the host binds them into a container. */
async function makeMediaDir(media: string): Promise<void> {
  const image = join(media, 'images', 'web');
  await mkdir(join(image, 'bin'), { recursive: true });
  await mkdir(join(image, 'www'), { recursive: true });
  await copyFile(BUSYBOX, join(image, 'bin', 'busybox'));
  await chmod(join(image, 'bin', 'busybox'), 0o755);
  const applets = (await execa(BUSYBOX, ['--list'], { timeout: 5_000 })).stdout.split('\n').filter((a) => a && a !== 'busybox');
  for (const applet of applets) await symlink('busybox', join(image, 'bin', applet));
  await mkdir(join(media, 'volumes', 'site'), { recursive: true });
  await writeFile(join(media, 'volumes', 'site', 'index.html'), PAGE);
  for (const dir of ['host', 'sockets', 'scratch', 'package/images']) await mkdir(join(media, dir), { recursive: true });
  await writeFile(join(media, 'package', 'index.mjs'), packageModule());
  const manifest = {
    id: 'runtime-test',
    images: { web: { source: { kind: 'busybox' } } },
    volumes: ['site'],
    interfaces: { web: { name: 'Web', port: PORT, protocol: 'http' } },
  };
  await writeFile(join(media, 'package', 'manifest.json'), JSON.stringify(manifest));
  const imageConfig = { entrypoint: null, cmd: ['sh'], env: ['PATH=/bin'], workdir: '/', user: 'root' };
  await writeFile(join(media, 'package', 'images', 'web.json'), JSON.stringify(imageConfig));
}

function httpGetOverUnixSocket(socketPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ socketPath, path: '/', host: 'x', timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
  });
}

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
  const daemonPids = new Set<number>();

  const call = <M extends keyof RuntimeMethods>(method: M): Promise<RuntimeMethods[M]['result']> => {
    if (peer === null) throw new Error('the runtime has not connected');
    return peer.request<RuntimeMethods[M]['result']>(method, {}, 30_000);
  };
  const web = async (): Promise<DaemonStatus | undefined> => (await call('runtime.status')).daemons.find((d) => d.id === 'web');

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
    expect(started.daemons.map((d) => d.id)).toEqual(['web']);
    expect(['starting', 'ready']).toContain(started.daemons[0]?.state);
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
    if (peer === null) throw new Error('no peer');
    const exec = await peer.request<{ exitCode: number | null }>('runtime.exec', { execId: 'w', daemon: 'web', command: ['touch', '/www/new'], timeoutMs: 5_000 });
    expect(exec.exitCode).not.toBe(0);
    expect(existsSync(join(media, 'volumes', 'site', 'new'))).toBe(false);
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
    expect(stopped.daemons.map((d) => [d.id, d.state])).toEqual([['web', 'stopped']]);
    expect(alive(pid)).toBe(false);
    expect(mountsUnder(work, runtimePid)).toEqual([]);
    expect(await readdir(join(media, 'scratch'))).toEqual([]);
    expect((await call('runtime.stop')).daemons.map((d) => d.state)).toEqual(['stopped']);
    // httpd wrote nothing; the runtime still sent the state changes in order.
    expect(states.map((s) => s.state)).toEqual(expect.arrayContaining(['starting', 'ready', 'stopping', 'stopped']));
    expect(logs.filter((l) => l.daemon !== 'web')).toEqual([]);
  });

  test('SIGTERM makes the runtime exit 0 and close its interface sockets', async () => {
    process.kill(runtimePid, 'SIGTERM');
    const result = await runtime;
    expect(result?.exitCode, result?.all).toBe(0);
    expect(readdirSync(join(media, 'sockets')).filter((f) => f.startsWith('iface-'))).toEqual([]);
    expect(mountsUnder(work)).toEqual([]);
  });
});
