/**
 * Backups of a 1 GiB volume through hearth (restic underneath), beside restic by hand and
 * `tar | zstd` on the same bytes in the same run: the first backup into an empty repository, the
 * next one after 1% of the data changed, and a restore; then the time the pre-update volume
 * snapshot adds to an update (the same update with the 1 GiB volume and with an empty one).
 * The data is random (incompressible): throughput is reading, hashing and encrypting, not
 * compression. Caches are warm for every contender alike. Run as root: `npm run bench`.
 */
import { randomBytes } from 'node:crypto';
import { open, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../test/support/hearthd.js';
import { keygen, packExample, packVersion } from '../test/support/packages.js';
import { printTable, summarize, type Summary } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const ID = 'hello-world';
const FILE_MIB = 16;
const FILES = Number(process.env['BENCH_VOLUME_MIB'] ?? 1024) / FILE_MIB;
/** 1% of the volume, rewritten in place as 1 MiB blocks spread over the files. */
const CHANGED_MIB = Math.max(1, Math.round((FILES * FILE_MIB) / 100));
const MIB = 1024 * 1024;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function writeRandomFiles(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < FILES; i += 1) {
    const file = await open(join(dir, `blob-${String(i).padStart(3, '0')}.bin`), 'w');
    for (let m = 0; m < FILE_MIB; m += 1) await file.write(randomBytes(MIB));
    await file.close();
  }
}

/** Rewrite CHANGED_MIB blocks of 1 MiB in place, one per file round-robin, at a random offset. */
async function changeOnePercent(dir: string): Promise<void> {
  for (let i = 0; i < CHANGED_MIB; i += 1) {
    const file = await open(join(dir, `blob-${String(i % FILES).padStart(3, '0')}.bin`), 'r+');
    await file.write(randomBytes(MIB), 0, MIB, Math.floor(Math.random() * FILE_MIB) * MIB);
    await file.close();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run the benchmark as root: it starts containers');
  const work = await mkdtemp(join(tmpdir(), 'hearth-bench-backup-'));
  const hearthd = await TestHearthd.start(25_000 + Math.floor(Math.random() * 1000));
  try {
    const key = await keygen(join(work, 'key.pem'));
    const v10 = await packExample(ID, key, join(work, 'v10.hpk'));
    const v11 = await packVersion(ID, '1.1.0', key, join(work, 'v11.hpk'));
    await hearthd.trust(key);
    await hearthd.json('install', v10);
    await hearthd.json('start', ID);
    const volumes = join(hearthd.dataDir, 'volumes', ID);
    const data = join(volumes, 'data');
    const blobs = join(data, 'blobs');
    await writeRandomFiles(blobs);

    const password = join(work, 'password');
    await writeFile(join(work, 'password'), randomBytes(24).toString('hex'), { mode: 0o600 });
    const restic = (repo: string, ...args: string[]) =>
      execa('restic', ['--repo', repo, '--password-file', password, '--cache-dir', join(work, 'restic-cache'), '--quiet', ...args], { cwd: volumes, stdin: 'ignore' });
    const tarZstd = (out: string, extra: string[] = []) => execa('bash', ['-o', 'pipefail', '-c', `tar -C "${volumes}" ${extra.join(' ')} -cf - data | zstd -q -f -T0 -o "${out}"`]);

    const first = { hearth: [] as number[], restic: [] as number[], tar: [] as number[] };
    const incr = { hearth: [] as number[], restic: [] as number[], tar: [] as number[] };
    const restore = { hearth: [] as number[], restic: [] as number[], tar: [] as number[] };
    for (let run = 0; run < RUNS; run += 1) {
      const hRepo = join(work, `hearth-repo-${run}`);
      const rRepo = join(work, `restic-repo-${run}`);
      const archive = join(work, 'data.tar.zst');
      const snar = join(work, 'data.snar');
      await hearthd.json('backup', 'target', 'add', `t${run}`, hRepo);
      await restic(rRepo, 'init');
      await rm(join(work, 'restic-cache'), { recursive: true, force: true });
      await rm(snar, { force: true });
      first.hearth.push(await timed(() => hearthd.json('backup', ID, '--to', `t${run}`)));
      first.restic.push(await timed(() => restic(rRepo, 'backup', 'data')));
      first.tar.push(await timed(() => tarZstd(archive, [`--listed-incremental="${snar}"`])));
      await changeOnePercent(blobs);
      incr.hearth.push(await timed(() => hearthd.json('backup', ID, '--to', `t${run}`)));
      incr.restic.push(await timed(() => restic(rRepo, 'backup', 'data')));
      incr.tar.push(await timed(() => tarZstd(join(work, 'incr.tar.zst'), [`--listed-incremental="${snar}"`])));
      // Restores of the latest snapshot: hearth's over the running service (stop, swap, start, ready).
      const into = join(work, 'restored');
      restore.hearth.push(await timed(() => hearthd.json('restore', ID, '--from', `t${run}`, '--yes')));
      await rm(into, { recursive: true, force: true });
      restore.restic.push(await timed(() => restic(rRepo, 'restore', 'latest', '--target', into)));
      await rm(into, { recursive: true, force: true });
      await mkdir(into);
      restore.tar.push(await timed(() => execa('bash', ['-o', 'pipefail', '-c', `zstd -q -d -c "${archive}" | tar -C "${into}" -xf -`])));
      await rm(into, { recursive: true, force: true });
      await hearthd.json('backup', 'target', 'remove', `t${run}`);
      for (const p of [hRepo, rRepo, archive, join(work, 'incr.tar.zst')]) await rm(p, { recursive: true, force: true });
    }
    const size = `${FILES * FILE_MIB} MiB`;
    const rows = (what: string, r: { hearth: number[]; restic: number[]; tar: number[] }, tarName: string): Summary[] => [
      summarize(`hearth backup (restic; cold: stop, read, start until ready)${what}`, r.hearth),
      summarize(`restic backup by hand${what}`, r.restic),
      summarize(tarName, r.tar),
    ];
    const f = rows('', first, 'tar, zstd -T0 (piped)');
    printTable(`First backup of a ${size} volume into an empty repository (${RUNS} runs)`, f, f[2]!);
    const i = rows(`, after ${CHANGED_MIB} MiB changed`, incr, `tar --listed-incremental, zstd (whole changed files: ${Math.min(CHANGED_MIB, FILES) * FILE_MIB} MiB)`);
    printTable(`Incremental backup after 1% of the volume changed (${RUNS} runs)`, i, i[2]!);
    const r = [
      summarize('hearth restore --yes over the running service (restic restore --verify, swap, start until ready)', restore.hearth),
      summarize('restic restore by hand into an empty dir', restore.restic),
      summarize('zstd -d, tar -x (piped) into an empty dir', restore.tar),
    ];
    printTable(`Restore of the ${size} volume (${RUNS} runs)`, r, r[2]!);

    // Update 1.0.0 -> 1.1.0 with the data and without: the difference is the volume snapshot.
    // Inside the service's volumes dir, beside `data`: the same mount, and no volume of the manifest.
    const aside = join(volumes, '.bench-aside');
    const update = async (): Promise<number> => {
      await hearthd.json('install', v10);
      const started = await hearthd.json<ServiceStatus>('start', ID);
      if (!started.ready) throw new Error(`${ID} not ready`);
      const ms = await timed(() => hearthd.json('update', ID, v11));
      await hearthd.json('uninstall', ID); // the volumes stay for the next round
      return ms;
    };
    await hearthd.json('uninstall', ID);
    const withData: number[] = [];
    const empty: number[] = [];
    for (let run = 0; run <= RUNS; run += 1) {
      const a = await update();
      await rename(blobs, aside);
      const b = await update();
      await rename(aside, blobs);
      if (run === 0) continue; // warm-up
      withData.push(a);
      empty.push(b);
    }
    const u = [summarize(`hearth update of a running service, ${size} in its volume (cp -a --reflink=auto snapshot; ext4: a full copy)`, withData), summarize('the same update, an empty volume', empty)];
    printTable(`What the pre-update volume snapshot adds to an update (${RUNS} runs after a warm-up)`, u, u[1]!);
    process.stdout.write(`\nsnapshot cost: ${((u[0]!.medianMs - u[1]!.medianMs) / 1000).toFixed(1)} s for ${size}\n`);
  } finally {
    await hearthd.cli('uninstall', ID, '--purge', '--yes');
    await hearthd[Symbol.asyncDispose]();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
