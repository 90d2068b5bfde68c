/**
 * hearthd's own costs: control-socket RPC latency and throughput (beside a bare unix-socket echo),
 * hearthd's RSS idle and with 20 running hello-world services, and the memory each service adds
 * (LXC monitor + init.lxc + runtime, RSS and PSS) beside an idle bare Node process.
 * Run as root: `npm run bench`.
 */
import { createServer, connect } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { TestHearthd } from '../test/support/hearthd.js';
import { keygen, packDir } from '../test/support/packages.js';
import { EXAMPLES, REPO } from '../test/support/repo.js';
import { HostClient } from '../host/src/cli/client.js';
import { printTable, summarize } from './stats.js';

const CALLS = Number(process.env['BENCH_CALLS'] ?? 2000);
const SERVICES = Number(process.env['BENCH_SERVICES'] ?? 20);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function memoryOf(pid: number): { rssKiB: number; pssKiB: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
  return { rssKiB: field('Rss'), pssKiB: field('Pss') };
}

function pidsWhere(match: (cmdline: string) => boolean): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        return match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      } catch {
        return false;
      }
    });
}

async function rpcLatencies(client: HostClient): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i += 1) {
    const started = performance.now();
    await client.call('package.list', {});
    samples.push(performance.now() - started);
  }
  return samples;
}

/** The floor: one JSON line echoed over a unix socket by a bare Node server, in this process. */
async function echoLatencies(dir: string): Promise<number[]> {
  const path = join(dir, 'echo.sock');
  const server = createServer((s) => s.on('data', (d) => s.write(d)));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const socket = connect(path);
  await new Promise((resolve) => socket.once('connect', resolve));
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i += 1) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      socket.once('data', () => resolve());
      socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'package.list', params: {} })}\n`);
    });
    samples.push(performance.now() - started);
  }
  socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return samples;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run the benchmark as root: it starts containers');
  const work = await mkdtemp(join(tmpdir(), 'hearth-bench-'));
  const packages = join(REPO, 'bench/.work');
  try {
    await using hearthd = await TestHearthd.start(20_100);
    await using client = await HostClient.connect(hearthd.socket);
    const hearthdPid = hearthd.pid ?? 0;
    const idle = memoryOf(hearthdPid);

    const rpc = (await rpcLatencies(client)).sort((a, b) => a - b);
    const echo = (await echoLatencies(work)).sort((a, b) => a - b);
    const throughputStarted = performance.now();
    await Promise.all(Array.from({ length: 10 }, async () => {
      await using c = await HostClient.connect(hearthd.socket);
      for (let i = 0; i < CALLS / 10; i += 1) await c.call('package.list', {});
    }));
    const callsPerSecond = CALLS / ((performance.now() - throughputStarted) / 1000);
    const echoSummary = summarize('bare unix-socket echo of the same request', echo);
    printTable(`control socket round trip, package.list (${CALLS} calls)`, [
      summarize('hearth RPC round trip', rpc),
      { name: 'hearth RPC p99', runs: CALLS, medianMs: percentile(rpc, 99), minMs: percentile(rpc, 99), maxMs: percentile(rpc, 99) },
      echoSummary,
    ], echoSummary);
    process.stdout.write(`throughput: ${callsPerSecond.toFixed(0)} calls/s over 10 concurrent connections\n`);

    // SERVICES copies of hello-world under their own ids.
    const key = await keygen(join(work, 'key.pem'));
    await hearthd.trust(key);
    await execa('bash', [join(EXAMPLES, 'hello-world/build-image.sh')]);
    const image = join(EXAMPLES, 'hello-world/image');
    for (let i = 0; i < SERVICES; i += 1) {
      const dir = join(packages, `hw-${i}`);
      await mkdir(join(dir, 'src'), { recursive: true });
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: `hw-${i}`, private: true, type: 'module' }));
      await writeFile(join(dir, 'src/index.ts'), `import { Daemons, defineManifest, healthChecks } from '@hearth/sdk';
export const manifest = defineManifest({ id: 'hw-${i}', title: 'hw', version: '1.0.0', images: { main: { source: { type: 'directory', path: ${JSON.stringify(image)} } } }, interfaces: { web: { name: 'web', port: 80 } } });
export const main = () => Daemons.of(manifest).add('web', { image: 'main', command: ['httpd', '-f', '-p', '80', '-h', '/www'], ready: healthChecks.tcpPort(80) });
`);
      await writeFile(join(dir, 'noop.sh'), 'true\n');
      await client.call('package.install', { path: await packDir(dir, 'noop.sh', key, join(work, `hw-${i}.hpk`)) });
      await client.call('service.start', { id: `hw-${i}`, waitReady: true });
    }
    const loaded = memoryOf(hearthdPid);
    const perService = { rssKiB: 0, pssKiB: 0 };
    const lxcDir = join(hearthd.dataDir, 'lxc');
    for (const pid of pidsWhere((c) => c.includes(lxcDir) || c.startsWith('/sbin/init.lxc') || c.includes('/usr/lib/hearth/runtime-loader.cjs'))) {
      const m = memoryOf(pid);
      perService.rssKiB += m.rssKiB / SERVICES;
      perService.pssKiB += m.pssKiB / SERVICES;
    }
    const bare = execa('node', ['-e', 'setInterval(() => {}, 1e6)'], { reject: false });
    await new Promise((r) => setTimeout(r, 500));
    const bareNode = memoryOf(bare.pid ?? 0);
    bare.kill();
    await bare;
    const mib = (kib: number): string => (kib / 1024).toFixed(1);
    process.stdout.write(`\nmemory (MiB)\n| what | RSS | PSS |\n|---|---|---|\n`);
    process.stdout.write(`| hearthd idle | ${mib(idle.rssKiB)} | ${mib(idle.pssKiB)} |\n`);
    process.stdout.write(`| hearthd with ${SERVICES} running services | ${mib(loaded.rssKiB)} | ${mib(loaded.pssKiB)} |\n`);
    process.stdout.write(`| per service: LXC monitor + init.lxc + runtime | ${mib(perService.rssKiB)} | ${mib(perService.pssKiB)} |\n`);
    process.stdout.write(`| baseline: an idle bare node process | ${mib(bareNode.rssKiB)} | ${mib(bareNode.pssKiB)} |\n`);
    process.stdout.write(`| per service ÷ baseline | ${(perService.rssKiB / bareNode.rssKiB).toFixed(2)} | ${(perService.pssKiB / bareNode.pssKiB).toFixed(2)} |\n`);
    for (let i = 0; i < SERVICES; i += 1) await client.call('package.uninstall', { id: `hw-${i}`, purge: true });
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(packages, { recursive: true, force: true });
  }
}

await main();
