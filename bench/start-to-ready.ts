/**
 * Time from `service.start` (over the control socket) to every daemon ready, for hello-world, over several runs; beside it,
 * in the same run, the same httpd started bare on the host (chroot into the same image, no container,
 * no overlay) until its port answers. Run as root: `npm run bench`.
 */
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { TestHearthd } from '../test/support/hearthd.js';
import { keygen, packExample } from '../test/support/packages.js';
import { EXAMPLES } from '../test/support/repo.js';
import { printSteps, printTable, summarize } from './stats.js';
import { HostClient } from '../host/src/cli/client.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 7);
const WARMUP = 1;
const BARE_PORT = 18_390;
const POLL_MS = 5;

async function portAnswers(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function bareStartToReady(): Promise<number> {
  const started = performance.now();
  const httpd = execa('chroot', [join(EXAMPLES, 'hello-world/image'), '/bin/httpd', '-f', '-p', `127.0.0.1:${BARE_PORT}`, '-h', '/www'], {
    reject: false,
  });
  while (!(await portAnswers(BARE_PORT))) await sleep(POLL_MS);
  const elapsed = performance.now() - started;
  httpd.kill('SIGTERM');
  await httpd;
  return elapsed;
}

async function measure(runs: number, once: () => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + runs; i += 1) {
    const ms = await once();
    if (i >= WARMUP) samples.push(ms);
  }
  return samples;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run the benchmark as root: it starts containers');
  const work = await mkdtemp(join(tmpdir(), 'hearth-bench-'));
  try {
    const key = await keygen(join(work, 'key.pem'));
    const archive = await packExample('hello-world', key, join(work, 'hello-world.hpk'));
    await using hearthd = await TestHearthd.start(18_800);
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    await using client = await HostClient.connect(hearthd.socket);
    const steps: Record<string, number>[] = [];
    const hearth = await measure(RUNS, async () => {
      const started = performance.now();
      const status = await client.call('service.start', { id: 'hello-world', waitReady: true });
      const elapsed = performance.now() - started;
      if (!status.ready) throw new Error(`hello-world not ready: ${JSON.stringify(status)}`);
      if (status.stepsMs) steps.push(status.stepsMs);
      await client.call('service.stop', { id: 'hello-world' });
      return elapsed;
    });
    const bare = summarize('bare chroot httpd', await measure(RUNS, bareStartToReady));
    printTable(`start → ready, hello-world (${RUNS} runs after ${WARMUP} warm-up)`, [
      summarize('service.start → ready (container, runtime, overlay, TCP check)', hearth),
      bare,
    ], bare);
    printSteps(`one start of hello-world, step by step (hearthd's stepsMs; the warm-up included)`, steps);
    await hearthd.json('uninstall', 'hello-world', '--purge', '--yes');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
