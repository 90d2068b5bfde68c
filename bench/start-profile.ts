/**
 * Where one start and one stop of a three-daemon service spend their time and CPU: hearthd's
 * stepsMs, the wall time of start → ready and of stop, and CPU seconds by who spent them (hearthd
 * and the programs it ran, the runtime, the rest of the machine), over several cycles after a
 * warm-up; and the runtime's own memory once ready, beside an idle bare node. Quicker than
 * podman-compare.ts (no Podman, busybox images only), for measuring a change. Run as root.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { TestHearthd } from '../test/support/hearthd.js';
import { keygen } from '../test/support/packages.js';
import { HEARTH_PACK, REPO } from '../test/support/repo.js';
import { HostClient } from '../host/src/cli/client.js';
import { printSteps, summarize } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 7);
const PORTS = [8001, 8002, 8003];
const SETTLE_MS = 1_000;
const CLOCK_TICKS_PER_S = 100;
/** Another base image to start from (`--base-image`), to compare two builds of the runtime. */
const BASE = process.env['BENCH_BASE'];

/** utime, stime, cutime, cstime of a process, in seconds. */
function cpuOf(pid: number): { self: number; children: number } {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ').map(Number);
    const at = (i: number): number => (fields[i - 3] ?? 0) / CLOCK_TICKS_PER_S;
    return { self: at(14) + at(15), children: at(16) + at(17) };
  } catch {
    return { self: 0, children: 0 };
  }
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineBusy(): number {
  const [, ...v] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const n = v.map(Number);
  return ((n[0] ?? 0) + (n[1] ?? 0) + (n[2] ?? 0) + (n[5] ?? 0) + (n[6] ?? 0) + (n[7] ?? 0)) / CLOCK_TICKS_PER_S;
}

interface Memory { anonKiB: number; rssKiB: number }
function memoryOf(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { anonKiB: field('Anonymous'), rssKiB: field('Rss') };
}

function runtimePid(initPid: number): number {
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.replace(/^.*\) /, '').split(' ')[1]) === initPid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('runtime-loader')) return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no runtime under init ${initPid}`);
}

/** With an empty environment, as the runtime has one: NODE_EXTRA_CA_CERTS on a host would add ~1 MiB of certificates. */
async function bareNode(): Promise<Memory> {
  const bare = execa(process.execPath, ['--max-old-space-size=256', '-e', 'setInterval(() => {}, 1e6)'], { reject: false, env: {}, extendEnv: false });
  await sleep(SETTLE_MS);
  const memory = memoryOf(bare.pid ?? 0);
  bare.kill();
  await bare;
  return memory;
}

async function trio(dir: string, key: string, out: string): Promise<string> {
  const root = join(dir, 'rootfs');
  await mkdir(join(root, 'bin'), { recursive: true });
  await mkdir(join(root, 'www'), { recursive: true });
  await cp('/bin/busybox', join(root, 'bin/busybox'));
  for (const a of ['sh', 'httpd']) await execa('ln', ['-sf', 'busybox', join(root, 'bin', a)]);
  await writeFile(join(root, 'www/index.html'), 'hello\n');
  const tarball = join(dir, 'busybox.tar');
  await execa('tar', ['-C', root, '-cf', tarball, '.']);
  // Inside the repository, where the package resolves @hearth/sdk.
  const pkg = join(REPO, 'bench/.work/start-profile/trio');
  await rm(pkg, { recursive: true, force: true });
  await mkdir(join(pkg, 'src'), { recursive: true });
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'trio', private: true, type: 'module' }));
  const images = ['a', 'b', 'c'].map((id) => `${id}: { source: { type: 'tarball', path: ${JSON.stringify(tarball)} } }`).join(', ');
  const daemons = PORTS.map((port, i) => `.add('web${i}', { image: '${'abc'[i]}', command: ['httpd', '-f', '-p', '${port}', '-h', '/www'], ready: healthChecks.http(${port}) })`).join('\n  ');
  await writeFile(
    join(pkg, 'src/index.ts'),
    `import { Daemons, defineManifest, healthChecks } from '@hearth/sdk';\nexport const manifest = defineManifest({ id: 'trio', title: 'trio', version: '1.0.0', images: { ${images} } });\nexport const main = () => Daemons.of(manifest)\n  ${daemons};\n`,
  );
  await execa('node', [HEARTH_PACK, pkg, '--key', key, '--out', out]);
  await rm(pkg, { recursive: true, force: true });
  return out;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  const work = await mkdtemp(join(tmpdir(), 'hearth-start-profile-'));
  try {
    const key = await keygen(join(work, 'key.pem'));
    const archive = await trio(work, key, join(work, 'trio.hpk'));
    await using hearthd = await TestHearthd.start(22_400, {}, BASE === undefined ? [] : ['--base-image', BASE]);
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    await using client = await HostClient.connect(hearthd.socket);
    const hearthdPid = hearthd.pid ?? 0;
    const steps: Record<string, number>[] = [];
    const wall = { start: [] as number[], stop: [] as number[] };
    const cpu = { hearthd: [] as number[], runtime: [] as number[], rest: [] as number[] };
    let memory: Memory | null = null;
    for (let i = 0; i <= RUNS; i += 1) {
      const h0 = cpuOf(hearthdPid);
      const m0 = machineBusy();
      let t = performance.now();
      const status = await client.call('service.start', { id: 'trio', waitReady: true });
      const startMs = performance.now() - t;
      if (!status.ready || !status.container) throw new Error(`trio not ready: ${JSON.stringify(status)}`);
      const runtime = runtimePid(status.container.initPid);
      const rc = cpuOf(runtime);
      const runtimeCpu = rc.self + rc.children; // its mount scripts and health checks included
      if (i === RUNS) {
        await sleep(SETTLE_MS);
        memory = memoryOf(runtime);
      }
      t = performance.now();
      await client.call('service.stop', { id: 'trio' });
      const stopMs = performance.now() - t;
      const h1 = cpuOf(hearthdPid);
      if (i === 0) continue;
      if (status.stepsMs) steps.push(status.stepsMs);
      wall.start.push(startMs);
      wall.stop.push(stopMs);
      const hearthdCpu = h1.self + h1.children - h0.self - h0.children;
      cpu.hearthd.push(hearthdCpu);
      cpu.runtime.push(runtimeCpu);
      cpu.rest.push(machineBusy() - m0 - hearthdCpu - runtimeCpu);
    }
    const ms = (xs: number[]): string => {
      const s = summarize('', xs);
      return `${s.medianMs.toFixed(0)} (${s.minMs.toFixed(0)}–${s.maxMs.toFixed(0)})`;
    };
    process.stdout.write(`\nthree busybox httpd daemons, ${RUNS} cycles after a warm-up: median (min–max)\n| measure | value |\n|---|---|\n`);
    process.stdout.write(`| start → all ready, ms | ${ms(wall.start)} |\n| stop, ms | ${ms(wall.stop)} |\n`);
    const cpuMs = (xs: number[]): string => ms(xs.map((x) => x * 1000));
    process.stdout.write(`| CPU per cycle: hearthd and the programs it ran, ms | ${cpuMs(cpu.hearthd)} |\n| CPU: the runtime and the programs it ran, until ready, ms | ${cpuMs(cpu.runtime)} |\n`);
    process.stdout.write(`| CPU: the rest of the machine (LXC monitor, daemons, other jobs), ms | ${cpuMs(cpu.rest)} |\n`);
    printSteps("start, step by step (hearthd's stepsMs)", steps);
    const bare = await bareNode();
    const mib = (kib: number): string => (kib / 1024).toFixed(1);
    if (memory) {
      process.stdout.write(`\n| memory, MiB | anonymous | RSS |\n|---|---|---|\n| runtime once ready | ${mib(memory.anonKiB)} | ${mib(memory.rssKiB)} |\n`);
      process.stdout.write(`| idle bare node | ${mib(bare.anonKiB)} | ${mib(bare.rssKiB)} |\n| runtime ÷ bare node | ${(memory.anonKiB / bare.anonKiB).toFixed(2)} | |\n`);
    }
    await hearthd.json('uninstall', 'trio', '--purge', '--yes');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
