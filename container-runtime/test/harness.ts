import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseMountInfo, pointsUnder } from '@hearth/sdk/system';

/** Helpers of the runtime's integration test: a busybox image and a media dir like /media/hearth. */

export const BUSYBOX = '/bin/busybox';
export const PORT = 8081;
export const PAGE = '<h1>hello from busybox</h1>\n';
/** The non-root user of the image (as most registry images have one). */
export const APP_UID = 1000;
export const DECLARED_OWNER = { uid: 1234, gid: 5678 };

/** A static binary has no PT_INTERP program header (64-bit little-endian ELF only, like this host). */
export function isStaticElf(path: string): boolean {
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

/** Mount points at or under `prefix` in the mount namespace of `pid` (sync, with the SDK's parser). */
export function mountsUnder(prefix: string, pid: number | 'self' = 'self'): string[] {
  return pointsUnder(parseMountInfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8')), prefix);
}

/** Running, not a zombie; a process that ends while we look is not alive. */
export function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

const restart = { initialDelayMs: 1000, maxDelayMs: 30000, resetAfterMs: 60000, maxCrashes: 5, windowMs: 300000 };
const base = { env: {}, user: null, workdir: null, mounts: [], requires: [], ready: null, live: null, stopSignal: 'SIGTERM', stopTimeoutMs: 10000, stopWhenRequirementsLost: false, secrets: [], files: [] };

/**
 * The package module as hearth-pack would bundle it, written by hand: `main` returns something
 * shaped like Daemons. `web` serves the site as root; `worker` runs as the image's user `app`,
 * writes to /dev/stdout, /dev/stderr and /proc/self/fd/1 (as nginx and php-fpm log), and is ready
 * when its check, run as its user, says so.
 */
export function packageModule(): string {
  const specs = [
    {
      ...base,
      id: 'web',
      kind: 'daemon',
      image: 'web',
      command: ['httpd', '-f', '-p', String(PORT), '-h', '/www'],
      env: { GREETING: 'hi' },
      workdir: '/www',
      mounts: [{ volume: 'site', path: '/www', readonly: true, owner: null }],
      ready: { kind: 'tcp', port: PORT, intervalMs: 100, timeoutMs: 500, failureThreshold: 3, gracePeriodMs: 0 },
      restart: { mode: 'never', ...restart },
    },
    {
      ...base,
      id: 'worker',
      kind: 'daemon',
      image: 'web',
      user: 'app',
      command: ['sh', '-c', 'echo to-stdout > /dev/stdout; echo to-stderr > /dev/stderr; echo via-proc > /proc/self/fd/1; touch /data/written /run/worker/pid; exec sleep 1000'],
      mounts: [
        { volume: 'data', path: '/data', readonly: false, owner: null },
        { volume: 'logs', path: '/logs', readonly: false, owner: `${DECLARED_OWNER.uid}:${DECLARED_OWNER.gid}` },
      ],
      requires: ['web'],
      ready: { kind: 'command', command: ['sh', '-c', `[ "$(id -u)" = ${APP_UID} ] && [ -e /data/written ]`], intervalMs: 100, timeoutMs: 2000, failureThreshold: 30, gracePeriodMs: 0 },
      restart: { mode: 'never', ...restart },
    },
  ];
  return `const specs = ${JSON.stringify(specs)};
export const main = () => ({ toSpec: () => structuredClone(specs), checkFunction: () => undefined });
`;
}

/** <media>/{package,images/web,volumes/*,host,sockets,scratch,run}, like the host binds them into a container. */
export async function makeMediaDir(media: string): Promise<void> {
  const image = join(media, 'images', 'web');
  for (const dir of ['bin', 'www', 'etc']) await mkdir(join(image, dir), { recursive: true });
  await copyFile(BUSYBOX, join(image, 'bin', 'busybox'));
  await chmod(join(image, 'bin', 'busybox'), 0o755);
  const applets = (await execa(BUSYBOX, ['--list'], { timeout: 5_000 })).stdout.split('\n').filter((a) => a && a !== 'busybox');
  for (const applet of applets) await symlink('busybox', join(image, 'bin', applet));
  await writeFile(join(image, 'etc', 'passwd'), `root:x:0:0:root:/root:/bin/sh\napp:x:${APP_UID}:${APP_UID}::/home/app:/bin/sh\n`);
  await writeFile(join(image, 'etc', 'group'), `root:x:0:\napp:x:${APP_UID}:\n`);
  // What an image builder leaves: the build host's resolver, and a link into /run.
  await writeFile(join(image, 'etc', 'resolv.conf'), 'nameserver 10.9.9.9\n');
  await symlink('/run/systemd/hostname', join(image, 'etc', 'hostname'));
  for (const volume of ['site', 'data', 'logs']) await mkdir(join(media, 'volumes', volume), { recursive: true });
  await writeFile(join(media, 'volumes', 'site', 'index.html'), PAGE);
  for (const dir of ['host', 'sockets', 'scratch', 'run', 'package/images']) await mkdir(join(media, dir), { recursive: true });
  await chmod(join(media, 'run'), 0o755);
  await writeFile(join(media, 'package', 'index.mjs'), packageModule());
  const manifest = {
    id: 'runtime-test',
    title: 'Runtime test',
    version: '1.0.0',
    images: { web: { source: { type: 'directory', path: 'image' } } },
    volumes: ['site', 'data', 'logs'],
    interfaces: { web: { name: 'Web', port: PORT, protocol: 'http' } },
  };
  await writeFile(join(media, 'package', 'manifest.json'), JSON.stringify(manifest));
  const imageConfig = { entrypoint: null, cmd: ['sh'], env: ['PATH=/bin'], workdir: '/', user: 'root' };
  await writeFile(join(media, 'package', 'images', 'web.json'), JSON.stringify(imageConfig));
}

export function httpGetOverUnixSocket(socketPath: string): Promise<{ status: number; body: string }> {
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

/** Runs of equal consecutive values as one: a state said again (a readiness retry) is one step. */
export function collapse<T>(values: readonly T[]): T[] {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}
