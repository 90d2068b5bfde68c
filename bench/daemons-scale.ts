/**
 * Start-to-all-ready for a service of 1, 4 and 16 daemons (busybox httpd each, TCP readiness),
 * and the cost per extra daemon beside a bare `chroot <image> /bin/true` measured in the same run.
 * Run as root: `npm run bench`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { TestHearthd } from '../test/support/hearthd.js';
import { keygen } from '../test/support/packages.js';
import { EXAMPLES, HEARTH_PACK, REPO } from '../test/support/repo.js';
import { HostClient } from '../host/src/cli/client.js';
import { printTable, summarize } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const COUNTS = [1, 4, 16];
const IMAGE = join(EXAMPLES, 'hello-world/image');

/** A package of `count` httpd daemons; it lives under the checkout so it resolves @hearth/sdk. */
async function writePackage(dir: string, count: number): Promise<void> {
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: `bench-many-${count}`, private: true, type: 'module' }));
  const daemons = Array.from({ length: count }, (_, i) => `.add('web${i}', { image: 'main', command: ['httpd', '-f', '-p', '${8000 + i}', '-h', '/www'], ready: healthChecks.tcpPort(${8000 + i}) })`);
  await writeFile(
    join(dir, 'src/index.ts'),
    `import { Daemons, defineManifest, healthChecks } from '@hearth/sdk';
export const manifest = defineManifest({ id: 'many-${count}', title: 'many', version: '1.0.0', images: { main: { source: { type: 'directory', path: ${JSON.stringify(IMAGE)} } } } });
export const main = () => Daemons.of(manifest)${daemons.join('')};
`,
  );
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run the benchmark as root: it starts containers');
  await execa('bash', [join(EXAMPLES, 'hello-world/build-image.sh')]);
  const work = await mkdtemp(join(tmpdir(), 'hearth-bench-'));
  const packages = join(REPO, 'bench/.work');
  try {
    const key = await keygen(join(work, 'key.pem'));
    await using hearthd = await TestHearthd.start(18_900);
    await hearthd.trust(key);
    await using client = await HostClient.connect(hearthd.socket);
    const rows = [];
    const medians = new Map<number, number>();
    for (const count of COUNTS) {
      const dir = join(packages, `many-${count}`);
      await writePackage(dir, count);
      const archive = join(work, `many-${count}.hpk`);
      await execa('node', [HEARTH_PACK, dir, '--key', key, '--out', archive]);
      await client.call('package.install', { path: archive });
      const samples: number[] = [];
      for (let i = 0; i <= RUNS; i += 1) {
        const started = performance.now();
        await client.call('service.start', { id: `many-${count}`, waitReady: true });
        const elapsed = performance.now() - started;
        await client.call('service.stop', { id: `many-${count}` });
        if (i > 0) samples.push(elapsed); // the first is a warm-up
      }
      const summary = summarize(`${count} daemon${count === 1 ? '' : 's'}: service.start → all ready`, samples);
      medians.set(count, summary.medianMs);
      rows.push(summary);
      await client.call('package.uninstall', { id: `many-${count}`, purge: true });
    }
    const bare: number[] = [];
    for (let i = 0; i <= RUNS * 4; i += 1) {
      const started = performance.now();
      await execa('chroot', [IMAGE, '/bin/busybox', 'true']);
      if (i > 0) bare.push(performance.now() - started);
    }
    const baseline = summarize('bare chroot <image> busybox true', bare);
    const perDaemon = ((medians.get(16) ?? 0) - (medians.get(1) ?? 0)) / 15;
    rows.push({ name: 'per extra daemon ((16 − 1) / 15)', runs: RUNS, medianMs: perDaemon, minMs: perDaemon, maxMs: perDaemon }, baseline);
    printTable(`daemons per service (${RUNS} runs after 1 warm-up)`, rows, baseline);
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(packages, { recursive: true, force: true });
  }
}

await main();
