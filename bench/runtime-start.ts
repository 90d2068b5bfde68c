/**
 * The container runtime's own start and memory, from a V8 startup snapshot (a base built with
 * --snapshot) against the code cache (the default base), in the same run: hello-world started on each base
 * in turn (one hearthd per base, alternating blocks), hearthd's stepsMs compared step by step; and
 * the runtime's own (anonymous) memory, from smaps_rollup, beside an idle
 * bare `node` of the same binary and heap flag. Run as root after `node scripts/build-base.mjs`.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../test/support/hearthd.js';
import { keygen, packExample } from '../test/support/packages.js';
import { REPO } from '../test/support/repo.js';
import { HostClient } from '../host/src/cli/client.js';
import { summarize } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const BLOCKS = 2;
const SETTLE_MS = 1_000;
const BUILD_TIMEOUT_MS = 180_000;

/** anonKiB: the process's own memory (heap, stacks, malloc); file pages (node's binary) are shared by every container on the base. */
interface Memory { anonKiB: number; privateKiB: number; pssKiB: number; rssKiB: number }

function memoryOf(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { anonKiB: field('Anonymous'), privateKiB: field('Private_Clean') + field('Private_Dirty'), pssKiB: field('Pss'), rssKiB: field('Rss') };
}

/** The runtime is init.lxc's only child. */
function runtimePid(initPid: number): number {
  return Number(readFileSync(`/proc/${initPid}/task/${initPid}/children`, 'utf8').trim().split(/\s+/)[0]);
}

interface Side { name: string; flags: string[]; steps: Record<string, number>[]; memory: Memory[] }

async function startsOn(side: Side, archive: string, key: string): Promise<void> {
  await using hearthd = await TestHearthd.start(21_500, {}, side.flags);
  await hearthd.trust(key);
  await hearthd.json('install', archive);
  await using client = await HostClient.connect(hearthd.socket);
  for (let i = 0; i <= RUNS; i += 1) {
    const status: ServiceStatus = await client.call('service.start', { id: 'hello-world', waitReady: true });
    if (i > 0 && status.stepsMs) side.steps.push(status.stepsMs);
    if (i === RUNS && status.container) {
      await sleep(SETTLE_MS);
      side.memory.push(memoryOf(runtimePid(status.container.initPid)));
    }
    await client.call('service.stop', { id: 'hello-world' });
  }
  await client.call('package.uninstall', { id: 'hello-world', purge: true });
}

/** With an empty environment, as the runtime has one: NODE_EXTRA_CA_CERTS on a host would add ~1 MiB of certificates. */
async function bareNode(nodeBin: string): Promise<Memory> {
  const bare = execa(nodeBin, ['--max-old-space-size=256', '-e', 'setInterval(() => {}, 1e6)'], { reject: false, env: {}, extendEnv: false });
  await sleep(SETTLE_MS);
  const memory = memoryOf(bare.pid ?? 0);
  bare.kill();
  await bare;
  return memory;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  const work = await mkdtemp(join(tmpdir(), 'hearth-runtime-start-'));
  try {
    const withSnapshot = join(REPO, 'bench/.cache/base-snapshot');
    await execa('node', [join(REPO, 'scripts/build-base.mjs'), '--out-dir', withSnapshot, '--snapshot'], { timeout: BUILD_TIMEOUT_MS });
    const snapshotBase = (JSON.parse(await readFile(join(withSnapshot, 'current.json'), 'utf8')) as { path: string }).path;
    const key = await keygen(join(work, 'key.pem'));
    const archive = await packExample('hello-world', key, join(work, 'hello-world.hpk'));
    const sides: Side[] = [
      { name: 'snapshot', flags: ['--base-image', snapshotBase], steps: [], memory: [] },
      { name: 'code cache', flags: [], steps: [], memory: [] },
    ];
    for (let b = 0; b < BLOCKS; b += 1) for (const side of sides) await startsOn(side, archive, key);
    const names = [...new Set(sides.flatMap((s) => s.steps.flatMap((x) => Object.keys(x))))];
    const median = (side: Side, name: string): number => summarize(name, side.steps.map((s) => (name === 'total' ? Object.values(s).reduce((a, c) => a + c, 0) : (s[name] ?? 0)))).medianMs;
    process.stdout.write(`\nhello-world start, step by step: snapshot against code cache (${RUNS * BLOCKS} starts each after a warm-up per block; medians, ms)\n| step | snapshot | code cache | snapshot / code cache |\n|---|---|---|---|\n`);
    for (const name of [...names, 'total']) {
      const [a, b] = sides.map((s) => median(s, name)) as [number, number];
      process.stdout.write(`| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${b > 0 ? (a / b).toFixed(2) : '—'} |\n`);
    }
    const bare = await bareNode(process.execPath);
    const mib = (kib: number): string => (kib / 1024).toFixed(1);
    const avg = (xs: Memory[], k: keyof Memory): number => xs.reduce((a, m) => a + m[k], 0) / Math.max(1, xs.length);
    process.stdout.write(
      `\nruntime memory once hello-world is ready, beside an idle bare node (same binary, same heap flag), MiB; private counts node's binary, which only one container maps here\n| process | anonymous | private | PSS | RSS | anonymous ÷ bare node |\n|---|---|---|---|---|---|\n`,
    );
    const row = (name: string, m: (k: keyof Memory) => number): void =>
      void process.stdout.write(`| ${name} | ${mib(m('anonKiB'))} | ${mib(m('privateKiB'))} | ${mib(m('pssKiB'))} | ${mib(m('rssKiB'))} | ${(m('anonKiB') / bare.anonKiB).toFixed(2)} |\n`);
    for (const side of sides) row(`runtime (${side.name})`, (k) => avg(side.memory, k));
    row('idle bare node', (k) => bare[k]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
