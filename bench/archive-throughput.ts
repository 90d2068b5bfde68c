/**
 * Pack and verify throughput on a generated image of 256 MiB, beside `sha256sum` of the same bytes
 * in the same run (the floor: verify must hash every byte once). Runs without root.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { createPrivateKey } from 'node:crypto';
import { generatePrivateKeyPem, verifyArchive, writeArchive } from '@hearth/sdk/archive';
import { validateManifest } from '@hearth/sdk';

const SIZE_MIB = Number(process.env['BENCH_IMAGE_MIB'] ?? 256);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'hearth-bench-archive-'));
  try {
    // Incompressible bytes, written in chunks: the image member the archive carries.
    const image = join(work, 'image.squashfs');
    const file = await open(image, 'w');
    for (let i = 0; i < SIZE_MIB; i += 1) await file.write(randomBytes(1024 * 1024));
    await file.close();
    const manifest = validateManifest({ id: 'bench', title: 'bench', version: '1.0.0', images: { main: { source: { type: 'directory', path: 'x' } } } });
    const privateKey = createPrivateKey(generatePrivateKeyPem());
    const archive = join(work, 'bench.hpk');
    const members = [
      { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) },
      { name: 'scripts/index.js', data: Buffer.from('export const main = () => null;\n') },
      { name: 'images/main.json', data: Buffer.from('{"entrypoint":null,"cmd":null,"env":[],"workdir":"/","user":"root"}') },
      { name: 'images/main.squashfs', path: image },
    ];
    await mkdir(work, { recursive: true });
    const pack: number[] = [];
    const verify: number[] = [];
    const sha: number[] = [];
    for (let i = 0; i <= RUNS; i += 1) {
      await rm(archive, { force: true });
      let t = performance.now();
      await writeArchive({ out: archive, privateKey, manifest, members });
      const packMs = performance.now() - t;
      t = performance.now();
      await verifyArchive(archive);
      const verifyMs = performance.now() - t;
      t = performance.now();
      await execa('sha256sum', [archive]);
      const shaMs = performance.now() - t;
      if (i === 0) continue; // warm-up: page cache
      pack.push(packMs);
      verify.push(verifyMs);
      sha.push(shaMs);
    }
    const mbps = (ms: number): number => (SIZE_MIB * 1.048576) / (ms / 1000);
    const base = mbps(median(sha));
    const rows = [
      ['writeArchive (hash + sign + write)', median(pack)],
      ['verifyArchive (every digest + signature)', median(verify)],
      ['sha256sum of the archive', median(sha)],
    ] as const;
    process.stdout.write(`\narchive throughput, ${SIZE_MIB} MiB image (${RUNS} runs after 1 warm-up, medians)\n| step | ms | MB/s | × sha256sum |\n|---|---|---|---|\n`);
    for (const [name, ms] of rows) process.stdout.write(`| ${name} | ${ms.toFixed(0)} | ${mbps(ms).toFixed(0)} | ${(mbps(ms) / base).toFixed(2)} |\n`);
    await writeFile(join(work, 'done'), '');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
