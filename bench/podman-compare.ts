/**
 * hearth beside Podman on the same machine, in the same run, from the same root filesystems: a
 * service of three daemons (two busybox httpd, one Debian-based busybox httpd) as one hearth
 * package, and as a Podman pod of three containers imported from the same tarballs.
 * Scenarios: cold start to all-ready, stop, restart, memory per service, density (1/10/30), boot of
 * all N at once (hearth's service.startAll against N pods started concurrently),
 * install of a ~200 MB package against `podman import` of its tarballs.
 * Prints one table per scenario and writes bench/results/podman-compare.json. Run as root.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { TestHearthd } from '../test/support/hearthd.js';
import { keygen } from '../test/support/packages.js';
import { HEARTH_PACK, REPO } from '../test/support/repo.js';
import { HostClient } from '../host/src/cli/client.js';
import { printSteps } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const DENSITY = (process.env['BENCH_DENSITY'] ?? '1,10,30').split(',').map(Number);
const PORTS = [8001, 8002, 8003];
const POLL_MS = 10;
const BOOT_RUNS = Number(process.env['BENCH_BOOT_RUNS'] ?? 1);
const BOOT_WAIT_MS = 900_000;
const CACHE = join(REPO, 'bench/.cache');
const WORK_PACKAGES = join(REPO, 'bench/.work/podman-compare');

interface Stats { median: number; min: number; max: number; runs: number }
const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { median: s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2, min: s[0] ?? 0, max: s[s.length - 1] ?? 0, runs: s.length };
};
const results: Record<string, unknown> = {};

function table(title: string, unit: string, rows: [string, Stats | null, Stats | null][]): void {
  process.stdout.write(`\n${title}\n| scenario | hearth median (min–max) ${unit} | podman median (min–max) ${unit} | hearth / podman |\n|---|---|---|---|\n`);
  const cell = (s: Stats | null): string => (s ? `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})` : 'n/a');
  for (const [name, h, p] of rows) process.stdout.write(`| ${name} | ${cell(h)} | ${cell(p)} | ${h && p ? (h.median / p.median).toFixed(2) : 'n/a'} |\n`);
  results[title] = rows.map(([name, hearth, podman]) => ({ name, unit, hearth, podman, ratio: hearth && podman ? hearth.median / podman.median : null }));
}

function pss(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

function pidsWhere(match: (cmdline: string) => boolean): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => {
    try {
      return match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      return false;
    }
  });
}

/** The shared root filesystems: a busybox httpd image and a Debian one (debootstrap, cached). */
async function rootfsTarballs(): Promise<{ busybox: string; debian: string; big: string }> {
  await mkdir(CACHE, { recursive: true });
  const bb = join(CACHE, 'busybox');
  await rm(bb, { recursive: true, force: true });
  await mkdir(join(bb, 'bin'), { recursive: true });
  await mkdir(join(bb, 'www'), { recursive: true });
  await cp('/bin/busybox', join(bb, 'bin/busybox'));
  for (const a of ['sh', 'httpd', 'sleep']) await execa('ln', ['-sf', 'busybox', join(bb, 'bin', a)]);
  await writeFile(join(bb, 'www/index.html'), 'hello\n');
  // Podman's infra container runs this (its pause image cannot be pulled here); it stops on SIGTERM.
  await writeFile(join(bb, 'bin/pause'), '#!/bin/sh\ntrap "exit 0" TERM\nsleep 2147483647 &\nwait\n', { mode: 0o755 });
  const deb = join(CACHE, 'debian');
  if (!existsSync(join(deb, 'usr/bin/busybox'))) {
    process.stderr.write('building the Debian rootfs (debootstrap, once)…\n');
    await rm(deb, { recursive: true, force: true });
    await execa('debootstrap', ['--variant=minbase', '--include=busybox', 'bookworm', deb, 'http://deb.debian.org/debian']);
  }
  await mkdir(join(deb, 'srv'), { recursive: true });
  await writeFile(join(deb, 'srv/index.html'), 'hello from debian\n');
  const busybox = join(CACHE, 'busybox.tar');
  const debian = join(CACHE, 'debian.tar');
  await execa('tar', ['-C', bb, '-cf', busybox, '.']);
  await execa('tar', ['-C', deb, '-cf', debian, '.']);
  // For the install scenario: the Debian rootfs plus incompressible data, about 200 MB in all.
  const big = join(CACHE, 'debian-big.tar');
  if (!existsSync(big)) {
    await execa('dd', ['if=/dev/urandom', `of=${join(deb, 'srv/blob')}`, 'bs=1M', 'count=110'], { reject: false });
    await execa('tar', ['-C', deb, '-cf', big, '.']);
    await rm(join(deb, 'srv/blob'), { force: true });
  }
  return { busybox, debian, big };
}

async function writeTrio(dir: string, id: string, tarballs: { busybox: string; debian: string }): Promise<void> {
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: id, private: true, type: 'module' }));
  await writeFile(join(dir, 'src/index.ts'), `import { Daemons, defineManifest, healthChecks } from '@hearth/sdk';
export const manifest = defineManifest({ id: '${id}', title: 'trio', version: '1.0.0', images: {
  a: { source: { type: 'tarball', path: ${JSON.stringify(tarballs.busybox)} } },
  b: { source: { type: 'tarball', path: ${JSON.stringify(tarballs.busybox)} } },
  deb: { source: { type: 'tarball', path: ${JSON.stringify(tarballs.debian)} } },
} });
export const main = () => Daemons.of(manifest)
  .add('web1', { image: 'a', command: ['httpd', '-f', '-p', '${PORTS[0]}', '-h', '/www'], ready: healthChecks.http(${PORTS[0]}) })
  .add('web2', { image: 'b', command: ['httpd', '-f', '-p', '${PORTS[1]}', '-h', '/www'], ready: healthChecks.http(${PORTS[1]}) })
  .add('deb', { image: 'deb', command: ['busybox', 'httpd', '-f', '-p', '${PORTS[2]}', '-h', '/srv'], ready: healthChecks.http(${PORTS[2]}) });
`);
}

/** Podman configured as ENVIRONMENT.md found it works here: own storage, cgroupfs, runc, no network. */
class Podman {
  constructor(private readonly dir: string) {}
  run(args: string[], reject = true) {
    return execa('podman', ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'run'), '--cgroup-manager', 'cgroupfs', '--runtime', 'runc', ...args], {
      env: { CONTAINERS_CONF: join(this.dir, 'containers.conf') },
      reject,
    });
  }
  async setup(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Lowered limits: without CAP_SYS_RESOURCE runc cannot set Podman's defaults here (ENVIRONMENT.md).
    await writeFile(join(this.dir, 'containers.conf'), '[containers]\nnetns="none"\ndefault_ulimits=["nofile=20000:20000","nproc=4096:4096"]\n[engine]\nevents_logger="file"\n');
  }
  async createPod(name: string): Promise<void> {
    await this.run(['pod', 'create', '--name', name, '--infra-image', 'localhost/bb:1', '--infra-command', '/bin/pause']);
    // --init (catatonit) as PID 1, as users do: a daemon as PID 1 would ignore SIGTERM and wait out the stop timeout.
    await this.run(['create', '--init', '--pod', name, '--name', `${name}-web1`, 'localhost/bb:1', '/bin/httpd', '-f', '-p', String(PORTS[0]), '-h', '/www']);
    await this.run(['create', '--init', '--pod', name, '--name', `${name}-web2`, 'localhost/bb:1', '/bin/httpd', '-f', '-p', String(PORTS[1]), '-h', '/www']);
    await this.run(['create', '--init', '--pod', name, '--name', `${name}-deb`, 'localhost/deb:1', 'busybox', 'httpd', '-f', '-p', String(PORTS[2]), '-h', '/srv']);
  }
  /** Start, then the same readiness as hearth's: an HTTP GET to each daemon's port in the pod's network. */
  async startReady(name: string): Promise<void> {
    await this.run(['pod', 'start', name]);
    await this.ready(name);
  }
  async restartReady(name: string): Promise<void> {
    await this.run(['pod', 'restart', name]);
    await this.ready(name);
  }
  private async ready(name: string): Promise<void> {
    const pid = (await this.run(['inspect', '--format', '{{.State.Pid}}', `${name}-web1`])).stdout.trim();
    for (const port of PORTS) {
      for (;;) {
        const r = await execa('nsenter', ['-t', pid, '-n', 'busybox', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${port}/`], { reject: false });
        if (r.exitCode === 0) break;
        await sleep(POLL_MS);
      }
    }
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  const work = await mkdtemp(join(tmpdir(), 'hearth-vs-podman-'));
  await chmod(work, 0o711);
  try {
    const tarballs = await rootfsTarballs();
    const key = await keygen(join(work, 'key.pem'));
    const maxN = Math.max(...DENSITY);
    // Packages trio-0..trio-(N-1); after the first, the images' bases come from the machine's base store.
    await rm(WORK_PACKAGES, { recursive: true, force: true });
    const archives: string[] = [];
    for (let i = 0; i < maxN; i += 1) {
      const dir = join(WORK_PACKAGES, `trio-${i}`);
      await writeTrio(dir, `trio-${i}`, tarballs);
      archives.push(join(work, `trio-${i}.hpk`));
      await execa('node', [HEARTH_PACK, dir, '--key', key, '--out', archives[i] ?? '']);
    }
    await using hearthd = await TestHearthd.start(21_000);
    await hearthd.trust(key);
    await using client = await HostClient.connect(hearthd.socket);

    let podman: Podman | null = new Podman(join(work, 'podman'));
    try {
      await podman.setup();
      await podman.run(['import', tarballs.busybox, 'localhost/bb:1']);
      await podman.run(['import', tarballs.debian, 'localhost/deb:1']);
      await podman.createPod('probe');
      await podman.startReady('probe');
      await podman.run(['pod', 'rm', '-f', 'probe']);
    } catch (error) {
      process.stdout.write(`podman cannot run here, so only hearth's figures are printed: ${(error as Error).message.split('\n')[0]}\n`);
      podman = null;
    }

    // Start, stop, restart: one service, RUNS times after a warm-up.
    await client.call('package.install', { path: archives[0] ?? '' });
    const h = { start: [] as number[], stop: [] as number[], restart: [] as number[], restartFull: [] as number[] };
    const restartSteps: Record<string, number>[] = [];
    const steps: Record<string, number>[] = [];
    const p = { start: [] as number[], stop: [] as number[], restart: [] as number[], restartFull: [] as number[] };
    if (podman) await podman.createPod('pod-0');
    for (let i = 0; i <= RUNS; i += 1) {
      let t = performance.now();
      const started = await client.call('service.start', { id: 'trio-0', waitReady: true });
      const hs = performance.now() - t;
      if (i > 0 && started.stepsMs) steps.push(started.stepsMs);
      // hearth restart (the daemons, in their container), then --full (a new container).
      t = performance.now();
      const restarted = await client.call('service.restart', { id: 'trio-0', waitReady: true });
      const hr = performance.now() - t;
      if (i > 0 && restarted.stepsMs) restartSteps.push(restarted.stepsMs);
      t = performance.now();
      await client.call('service.restart', { id: 'trio-0', waitReady: true, full: true });
      const hrf = performance.now() - t;
      t = performance.now();
      await client.call('service.stop', { id: 'trio-0' });
      const hst = performance.now() - t;
      if (i > 0) {
        h.start.push(hs);
        h.restart.push(hr);
        h.restartFull.push(hrf);
        h.stop.push(hst);
      }
      if (podman) {
        t = performance.now();
        await podman.startReady('pod-0');
        const ps = performance.now() - t;
        // podman pod restart (what a user types), then stop and start (the pod's infra container too).
        t = performance.now();
        await podman.restartReady('pod-0');
        const pr = performance.now() - t;
        t = performance.now();
        await podman.run(['pod', 'stop', '-t', '10', 'pod-0']);
        await podman.startReady('pod-0');
        const prf = performance.now() - t;
        t = performance.now();
        await podman.run(['pod', 'stop', '-t', '10', 'pod-0']);
        const pst = performance.now() - t;
        if (i > 0) {
          p.start.push(ps);
          p.restart.push(pr);
          p.restartFull.push(prf);
          p.stop.push(pst);
        }
      }
    }
    table(`one service of three daemons (${RUNS} runs after a warm-up)`, 'ms', [
      ['cold start → all ready', stats(h.start), podman ? stats(p.start) : null],
      ['stop', stats(h.stop), podman ? stats(p.stop) : null],
      ['restart → all ready (hearth restart / podman pod restart)', stats(h.restart), podman ? stats(p.restart) : null],
      ['restart with a new container → all ready (hearth restart --full / pod stop + start)', stats(h.restartFull), podman ? stats(p.restartFull) : null],
    ]);

    printSteps('one cold start of the three-daemon service, step by step (hearthd\'s stepsMs)', steps);
    results['start steps'] = steps;
    printSteps('one restart (hearth restart) of the three-daemon service, step by step (hearthd\'s stepsMs)', restartSteps);
    results['restart steps'] = restartSteps;

    // Density: N services running at once; time to start them all, memory the system adds.
    const lxcDir = join(hearthd.dataDir, 'lxc');
    const hearthMem = (): number => pidsWhere((c) => c.includes(lxcDir) || c.startsWith('/sbin/init.lxc') || c.includes('/usr/lib/hearth/runtime-loader.cjs')).reduce((sum, pid) => sum + pss(pid), 0);
    const podmanRoot = join(work, 'podman');
    const podmanMem = (): number =>
      pidsWhere((c) => (c.startsWith('/usr/bin/conmon') && c.includes(podmanRoot)) || c.startsWith('/bin/sh /bin/pause') || c.startsWith('sleep 2147483647') || c.includes('catatonit')).reduce(
        (sum, pid) => sum + pss(pid),
        0,
      );
    const densityRows: [string, Stats | null, Stats | null][] = [];
    const memoryRows: [string, Stats | null, Stats | null][] = [];
    for (let i = 1; i < maxN; i += 1) await client.call('package.install', { path: archives[i] ?? '' });
    if (podman) for (let i = 1; i < maxN; i += 1) await podman.createPod(`pod-${i}`);
    for (const n of DENSITY) {
      let t = performance.now();
      for (let i = 0; i < n; i += 1) await client.call('service.start', { id: `trio-${i}`, waitReady: true });
      const hTime = performance.now() - t;
      await sleep(500);
      const hMem = hearthMem();
      for (let i = 0; i < n; i += 1) await client.call('service.stop', { id: `trio-${i}` });
      let pTime = 0;
      let pMem = 0;
      if (podman) {
        t = performance.now();
        for (let i = 0; i < n; i += 1) await podman.startReady(`pod-${i}`);
        pTime = performance.now() - t;
        await sleep(500);
        pMem = podmanMem();
        for (let i = 0; i < n; i += 1) await podman.run(['pod', 'stop', '-t', '10', `pod-${i}`]);
      }
      const one = (x: number): Stats => ({ median: x, min: x, max: x, runs: 1 });
      densityRows.push([`${n} service(s): start all → all ready`, one(hTime), podman ? one(pTime) : null]);
      memoryRows.push([`${n} service(s): PSS added, per service`, one(hMem / n), podman ? one(pMem / n) : null]);
    }
    table('density: time to start N services one after another', 'ms', densityRows);

    // Boot: every installed service at once, as after a power cut: hearth's concurrent start
    // (service.startAll, bounded by the machine) beside all Podman pods started concurrently.
    const bootRows: [string, Stats | null, Stats | null][] = [];
    const hb: number[] = [];
    const pb: number[] = [];
    for (let i = 0; i < BOOT_RUNS; i += 1) {
      let t = performance.now();
      const booted = await client.call('service.startAll', { waitReady: true }, BOOT_WAIT_MS);
      hb.push(performance.now() - t);
      if (booted.failed.length > 0) throw new Error(`boot: ${JSON.stringify(booted.failed)}`);
      for (let j = 0; j < maxN; j += 1) await client.call('service.stop', { id: `trio-${j}` });
      if (podman) {
        const pods = Array.from({ length: maxN }, (_, j) => `pod-${j}`);
        t = performance.now();
        await Promise.all(pods.map((pod) => podman.startReady(pod)));
        pb.push(performance.now() - t);
        for (const pod of pods) await podman.run(['pod', 'stop', '-t', '10', pod]);
      }
    }
    bootRows.push([`boot of ${maxN} installed services → all ready`, stats(hb), podman ? stats(pb) : null]);
    table(`boot: ${maxN} services started at once (${BOOT_RUNS} run(s))`, 'ms', bootRows);
    table('memory per service: PSS of what each system adds (hearth: LXC monitor + init.lxc + runtime; podman: conmon ×4 + infra + catatonit ×3); daemons not counted', 'MiB', memoryRows);

    // Install: a ~200 MB package against podman import of the same tarballs.
    const bigDir = join(WORK_PACKAGES, 'big');
    await writeTrio(bigDir, 'big', { busybox: tarballs.busybox, debian: tarballs.big });
    const bigArchive = join(work, 'big.hpk');
    await execa('node', [HEARTH_PACK, bigDir, '--key', key, '--out', bigArchive]);
    const hi: number[] = [];
    const pi: number[] = [];
    for (let i = 0; i <= RUNS; i += 1) {
      let t = performance.now();
      await client.call('package.install', { path: bigArchive });
      const hMs = performance.now() - t;
      await client.call('package.uninstall', { id: 'big', purge: true });
      let pMs = 0;
      if (podman) {
        t = performance.now();
        await podman.run(['import', tarballs.busybox, 'localhost/bigbb:1']);
        await podman.run(['import', tarballs.big, 'localhost/bigdeb:1']);
        pMs = performance.now() - t;
        await podman.run(['rmi', 'localhost/bigbb:1', 'localhost/bigdeb:1']);
      }
      if (i > 0) {
        hi.push(hMs);
        pi.push(pMs);
      }
    }
    const size = (Number(readFileSync(bigArchive).length) / 1024 / 1024).toFixed(0);
    table(`install: a ${size} MB package (hearth: verify + store) against podman import of its tarballs`, 'ms', [['install', stats(hi), podman ? stats(pi) : null]]);

    if (podman) await podman.run(['pod', 'rm', '-f', '-a'], false);
    for (let i = 0; i < maxN; i += 1) await client.call('package.uninstall', { id: `trio-${i}`, purge: true });
    await mkdir(join(REPO, 'bench/results'), { recursive: true });
    await writeFile(join(REPO, 'bench/results/podman-compare.json'), `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, results }, null, 2)}\n`);
    process.stdout.write('\nwrote bench/results/podman-compare.json\n');
  } finally {
    // Podman's storage leaves its overlay dir mounted on itself.
    await execa('umount', [join(work, 'podman/root/overlay')], { reject: false });
    await rm(WORK_PACKAGES, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  }
}

await main();
