import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, lstat, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceStatus, ServiceUsage } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { execAsNobody } from '../support/host-user.js';
import { packDir, packExample, publisherKey } from '../support/packages.js';
import { FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const POLL = { timeout: 60_000, interval: 100 };
const WEB = 'hello-world';
const QUOTA = 'quota';
/** hearthd restarts (each re-creating host.sock for the adopted container) while the container attacks it. */
const ADOPTIONS = 15;
/** A command run as container root lasts at most this long (the host.sock attack runs across the restarts). */
const ATTACK_TIMEOUT_MS = 300_000;
/** The container's root as a daemon reaches it (exec runs chrooted into the daemon's root). */
const MEDIA = '/proc/1/root/media/hearth';

/** Connections made to an interface while the container swaps its socket (the relay's race, run this many times). */
const RACE_CONNECTIONS = 300;
const EXCHANGE_TIMEOUT_MS = 10_000;

/**
 * Send `text` on a new TCP connection; everything received until it closes. A refused relay
 * connection gives '' (a reset when the request was still unread as hearthd dropped it).
 */
async function exchangeOnce(host: string, port: number, text: string): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    let received = '';
    const client = connect({ host, port }, () => client.write(text));
    client.setTimeout(EXCHANGE_TIMEOUT_MS, () => client.destroy(new Error(`no end of the reply within ${EXCHANGE_TIMEOUT_MS} ms: ${received.slice(0, 200)}`)));
    client.on('data', (chunk: Buffer) => (received += chunk.toString()));
    client.on('close', () => resolve(received));
    client.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve(received) : reject(error)));
  });
}

const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

/** Per-mount options (and the filesystem's own, after the ` - `) of every mount a process sees, by mount point. */
function mountTable(pid: number | 'self'): Map<string, { options: string[]; superOptions: string[] }> {
  const mounts = new Map<string, { options: string[]; superOptions: string[] }>();
  for (const line of readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').filter(Boolean)) {
    const [own = '', fs = ''] = line.split(' - ');
    const fields = own.split(' ');
    mounts.set(fields[4] ?? '', { options: (fields[5] ?? '').split(','), superOptions: (fs.split(' ')[2] ?? '').split(',') });
  }
  return mounts;
}

/** Per-mount options of every mount under /media/hearth in a container, from its init's mountinfo. */
function mediaMountOptions(initPid: number): Map<string, string[]> {
  const mounts = new Map<string, string[]>();
  for (const [point, { options }] of mountTable(initPid)) {
    // What the host bound in; the daemons' roots on scratch are the runtime's own mounts.
    if (point.startsWith('/media/hearth/') && !point.startsWith('/media/hearth/scratch/')) mounts.set(point, options);
  }
  return mounts;
}

describe.skipIf(skipUnless({ root: isRoot }))('containment: container root never becomes host root, nor reaches what the host acts on', () => {
  let work: string;
  let hearthd: TestHearthd;
  const asContainerRoot = (id: string, script: string) => hearthd.cli('exec', id, '--timeout', String(ATTACK_TIMEOUT_MS), '--', 'sh', '-c', script);
  const status = (id: string) => hearthd.json<ServiceStatus>('status', id);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-containment-'));
    const key = await publisherKey(join(work, 'key.pem'));
    const web = await packExample(WEB, key, join(work, 'web.hpk'));
    const quota = await packDir(join(FIXTURES, 'quota'), '../supervision/build-images.sh', key, join(work, 'quota.hpk'));
    hearthd = await TestHearthd.start(25_000 + Math.floor(Math.random() * 500));
    await hearthd.trust(key);
    for (const archive of [web, quota]) await hearthd.json('install', archive);
    await hearthd.json('start', WEB);
    await hearthd.json('start', QUOTA);
  });

  afterAll(async () => {
    for (const id of [WEB, QUOTA]) await hearthd?.cli('uninstall', id, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a setuid binary made by container root in a volume or its writable layer is setuid to an unprivileged uid, out of every host user’s reach', async () => {
    const made = await asContainerRoot(WEB, 'cp /bin/busybox /data/suid && chmod 4755 /data/suid && cp /bin/busybox /suid-upper && chmod 4755 /suid-upper');
    expect(made.exitCode).toBe(0);
    const files = [join(hearthd.dataDir, 'volumes', WEB, 'data', 'suid'), join(hearthd.dataDir, 'run', WEB, 'scratch', 'web', 'upper', 'suid-upper')];
    for (const file of files) {
      const info = await lstat(file);
      expect({ file, uid: info.uid, gid: info.gid, setuid: (info.mode & 0o4000) !== 0 }).toEqual({ file, uid: 100_000, gid: 100_000, setuid: true });
      expect(execAsNobody(file, ['id', '-u'])).toBe('EACCES');
    }
    // And inside, nothing bound from the host honours setuid bits or device files.
    const initPid = (await status(WEB)).container?.initPid ?? 0;
    const mounts = mediaMountOptions(initPid);
    expect([...mounts.keys()].sort()).toEqual(
      ['/media/hearth/host', '/media/hearth/images/main', '/media/hearth/package', '/media/hearth/scratch', '/media/hearth/sockets', '/media/hearth/volumes/data'],
    );
    for (const [point, options] of mounts) expect({ point, nosuid: options.includes('nosuid'), nodev: options.includes('nodev') }).toEqual({ point, nosuid: true, nodev: true });
    // On the host too: the data dir over itself, each service's scratch filesystem and image mounts.
    const hostMounts = [...mountTable('self')].filter(([point]) => point === hearthd.dataDir || point.startsWith(`${hearthd.dataDir}/`));
    expect(hostMounts.map(([point]) => point)).toEqual(expect.arrayContaining([hearthd.dataDir, join(hearthd.dataDir, 'run', WEB, 'scratch'), join(hearthd.dataDir, 'run', WEB, 'images', 'main')]));
    for (const [point, { options }] of hostMounts) expect({ point, nosuid: options.includes('nosuid'), nodev: options.includes('nodev') }).toEqual({ point, nosuid: true, nodev: true });
  });

  test('an interface socket the container swapped for a link to the control socket is refused: the TCP port never reaches the root-only API', async () => {
    const trustedBefore = await hearthd.json<unknown>('trust', 'list');
    const planted = await asContainerRoot(WEB, `rm -f ${MEDIA}/sockets/iface-web.sock && ln -s ${hearthd.socket} ${MEDIA}/sockets/iface-web.sock`);
    expect(planted.exitCode).toBe(0); // its own directory: it may; the host must not follow
    const iface = (await status(WEB)).interfaces[0];
    const request = { jsonrpc: '2.0', id: 1, method: 'trust.add', params: { publicKey: Buffer.alloc(32, 7).toString('base64'), name: 'planted' } };
    expect(await exchangeOnce(iface?.hostAddress ?? '', iface?.hostPort ?? 0, `${JSON.stringify(request)}\n`)).toBe('');
    expect(await hearthd.json<unknown>('trust', 'list')).toEqual(trustedBefore);
    expect(hearthd.log).toMatch(/refused to relay a connection.*is a symlink/);
    // A restart makes the socket again; the page is served as before.
    const restarted = await hearthd.json<ServiceStatus>('restart', WEB);
    expect((await fetch(restarted.interfaces[0]?.url ?? 'no interface')).status).toBe(200);
  });

  test(`an interface socket swapped back and forth with a link to the control socket, across ${RACE_CONNECTIONS} connections: each is the page or refused, never the API`, async () => {
    const trustedBefore = await hearthd.json<unknown>('trust', 'list');
    const sockets = join(hearthd.dataDir, 'run', WEB, 'sockets');
    // As container root, in its own dir: rename(2) a link to the control socket, then the socket itself (a hard link kept aside), over the interface's name, until told to stop.
    const attack = asContainerRoot(
      WEB,
      `cd ${MEDIA}/sockets && ln iface-web.sock own && n=0 && while [ ! -e stop ]; do
        ln -sfn ${hearthd.socket} a && mv -f a iface-web.sock; ln -f own b && mv -f b iface-web.sock; n=$((n + 2)); echo $n > swaps;
      done; mv -f own iface-web.sock`,
    );
    await expect.poll(() => existsSync(join(sockets, 'swaps')), POLL).toBe(true);
    const iface = (await status(WEB)).interfaces[0];
    const request = `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'trust.add', params: { publicKey: Buffer.alloc(32, 9).toString('base64'), name: 'raced' } })}\n\r\n`;
    const outcomes = { page: 0, refused: 0, other: [] as string[] };
    for (let i = 0; i < RACE_CONNECTIONS; i += 1) {
      const reply = await exchangeOnce(iface?.hostAddress ?? '', iface?.hostPort ?? 0, request);
      if (reply.startsWith('HTTP/')) outcomes.page += 1; // httpd answered the line it cannot parse
      else if (reply === '') outcomes.refused += 1;
      else outcomes.other.push(reply.slice(0, 200));
    }
    await writeFile(join(sockets, 'stop'), '');
    expect((await attack).exitCode).toBe(0);
    await rm(join(sockets, 'stop'));
    expect(outcomes.other).toEqual([]);
    expect(await hearthd.json<unknown>('trust', 'list')).toEqual(trustedBefore);
    // Both ways out were taken many times: the race was run, not missed.
    expect(outcomes.page).toBeGreaterThan(RACE_CONNECTIONS / 20);
    expect(outcomes.refused).toBeGreaterThan(RACE_CONNECTIONS / 20);
    expect(Number((await readFile(join(sockets, 'swaps'), 'utf8')).trim())).toBeGreaterThan(100);
    expect((await fetch(iface?.url ?? 'no interface')).status).toBe(200);
  });

  test('container root cannot replace host.sock or make hearthd touch a host file, while hearthd re-creates it at every adoption', async () => {
    const target = join(work, 'target');
    await writeFile(target, 'a host file the container aims at\n');
    await chmod(target, 0o600);
    const before = { hash: await sha256(target), mode: (await stat(target)).mode, uid: (await stat(target)).uid };
    const volume = join(hearthd.dataDir, 'volumes', WEB, 'data');
    // As the container's own root (chroot into init's root, where /media/hearth is what it is), until
    // told to stop: remount the dir writable, swap host.sock for a link to the target, rename over it.
    const attack = asContainerRoot(
      WEB,
      `chroot /proc/1/root /bin/sh -c 'n=0; tries=0; while [ ! -e /media/hearth/volumes/data/stop ]; do tries=$((tries + 1));
        mount -o remount,bind,rw /media/hearth/host 2>/dev/null;
        ln -sfn ${target} /media/hearth/host/host.sock 2>/dev/null && n=$((n + 1));
        ln -sfn ${target} /media/hearth/host/next 2>/dev/null && n=$((n + 1));
        mv -f /media/hearth/host/next /media/hearth/host/host.sock 2>/dev/null && n=$((n + 1));
        echo "replaced=$n tries=$tries" > /media/hearth/volumes/data/attack-result;
      done; echo done >> /media/hearth/volumes/data/attack-result'`,
    );
    const result = async (): Promise<string> => (existsSync(join(volume, 'attack-result')) ? (await readFile(join(volume, 'attack-result'), 'utf8')).trim() : '');
    await expect.poll(result, POLL).toMatch(/^replaced=/); // under way before hearthd goes down
    for (let i = 0; i < ADOPTIONS; i += 1) {
      await hearthd.kill9();
      await hearthd.launch();
      await expect.poll(async () => (await status(WEB)).ready, POLL).toBe(true);
    }
    await writeFile(join(volume, 'stop'), '');
    await attack;
    await expect.poll(result, POLL).toMatch(/done$/);
    expect(await result()).toMatch(/^replaced=0 tries=[1-9]\d*\ndone$/);
    expect({ hash: await sha256(target), mode: (await stat(target)).mode, uid: (await stat(target)).uid }).toEqual(before);
    const socket = await lstat(join(hearthd.dataDir, 'run', WEB, 'host', 'host.sock'));
    expect({ socket: socket.isSocket(), uid: socket.uid, gid: socket.gid, mode: (socket.mode & 0o777).toString(8) }).toEqual({ socket: true, uid: 0, gid: 100_000, mode: '660' });
    await rm(join(volume, 'stop'));
  });

  test('a runaway write to a daemon’s writable layer or /dev/shm fails inside with "no space left"; the host’s disk takes only the quota', async () => {
    const layer = await asContainerRoot(QUOTA, 'dd if=/dev/zero of=/big bs=1M count=200; echo "exit $?"; rm -f /big');
    expect(layer.stdout + layer.stderr).toMatch(/No space left on device/);
    const image = await stat(join(hearthd.dataDir, 'run', QUOTA, 'scratch.img'));
    expect(image.blocks * 512).toBeLessThanOrEqual(72 * 1024 * 1024);
    const shm = await asContainerRoot(QUOTA, 'dd if=/dev/zero of=/dev/shm/big bs=1M count=100; echo "exit $?"; rm -f /dev/shm/big');
    expect(shm.stdout + shm.stderr).toMatch(/No space left on device/);
    // The service goes on: its daemon is still ready.
    await sleep(200);
    expect((await status(QUOTA)).ready).toBe(true);
  });

  test('a service whose manifest sets no memory or pids limit still has them (the documented defaults), and its volume use shows in stats', async () => {
    await asContainerRoot(QUOTA, 'dd if=/dev/zero of=/data/blob bs=1M count=3');
    const [usage] = await hearthd.json<ServiceUsage[]>('stats', QUOTA);
    expect(usage).toMatchObject({ id: QUOTA, memoryLimitBytes: 1024 * 1024 * 1024, pidsLimit: 1024 });
    expect(usage?.volumes).toEqual([{ id: 'data', bytes: expect.any(Number) as number }]);
    expect(usage?.volumes?.[0]?.bytes).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    expect((await hearthd.cli('stats', QUOTA)).stdout).toMatch(/^quota .* 1024\.0 MiB .* 1024 .* [3-9]\.\d MiB$/m);
  });

  test('a service with no `resources` at all gets the default memory, pids and scratch limits; its /run, /tmp and /dev/shm are sized tmpfs', async () => {
    const [usage] = await hearthd.json<ServiceUsage[]>('stats', WEB);
    expect(usage).toMatchObject({ id: WEB, memoryLimitBytes: 1024 * 1024 * 1024, pidsLimit: 1024 });
    expect((await stat(join(hearthd.dataDir, 'run', WEB, 'scratch.img'))).size).toBe(2048 * 1024 * 1024);
    const table = mountTable((await status(WEB)).container?.initPid ?? 0);
    const tmpfsSizes = ['/run', '/tmp', '/dev/shm'].map((point) => [point, table.get(point)?.superOptions.find((o) => o.startsWith('size='))]);
    expect(tmpfsSizes).toEqual([['/run', 'size=65536k'], ['/tmp', 'size=16384k'], ['/dev/shm', 'size=65536k']]);
    const run = await asContainerRoot(WEB, 'dd if=/dev/zero of=/run/big bs=1M count=100; rm -f /run/big');
    expect(run.stdout + run.stderr).toMatch(/No space left on device/);
  });

  test('a volume’s mode and owner are the container’s: what it set survives a restart (PostgreSQL wants its data dir 0700)', async () => {
    expect((await asContainerRoot(QUOTA, 'chmod 0700 /data && chown 100:101 /data')).exitCode).toBe(0);
    await hearthd.json('restart', QUOTA);
    const volume = await stat(join(hearthd.dataDir, 'volumes', QUOTA, 'data'));
    expect({ uid: volume.uid, gid: volume.gid, mode: (volume.mode & 0o777).toString(8) }).toEqual({ uid: 100_100, gid: 100_101, mode: '700' });
  });
});
