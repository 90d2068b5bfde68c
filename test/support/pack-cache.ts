import { createHash, type Hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, lstat, readdir, readFile, readlink, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { REPO } from './repo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder for this run only (global-setup.ts): the shared publisher key and the packs made with it. */
    testPacks: string;
  }
}

/** The shared publisher key of this run, in the folder global-setup.ts made; empty when a run has none. */
export const sharedKeyFile = (): string | undefined => {
  const packs = inject('testPacks') as string | undefined;
  return packs ? join(packs, 'publisher.pem') : undefined;
};

/**
 * Each file's path, mode and bytes under `dir`, each link's target. Not `.hearth-cache`:
 * hearth-pack's own image cache, derived from the rest.
 */
async function hashTree(hash: Hash, dir: string, prefix: string): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    if (prefix === '' && name === '.hearth-cache') continue;
    const path = join(dir, name);
    const rel = `${prefix}${name}`;
    const info = await lstat(path);
    if (info.isSymbolicLink()) hash.update(`link ${rel} ${await readlink(path)}\0`);
    else if (info.isDirectory()) {
      hash.update(`dir ${rel} ${info.mode}\0`);
      await hashTree(hash, path, `${rel}/`);
    } else {
      hash.update(`file ${rel} ${info.mode} ${info.size}\0`);
      hash.update(await readFile(path));
    }
  }
}

/**
 * `pack()` writes `out` from `dir` signed by `key`, unless this run already packed the same
 * folder with the same key: then `out` is a copy of that pack. Packs are reproducible byte for
 * byte (integration/reproducible-pack.test.ts), so the copy is the file `pack()` would write; it
 * saves a type-check and image build (about 4 s) in each file that packs hello-world again.
 * Only for folders whose images are inside them: a fixture reading `../supervision/build/...`
 * would not be hashed whole.
 */
export async function packedOnce(dir: string, key: string, out: string, pack: () => Promise<unknown>): Promise<string> {
  const packs = inject('testPacks') as string | undefined;
  if (!packs) {
    await pack();
    return out;
  }
  // What a pack reads: the folder, the key, and hearth-pack with the SDK it bundles (sdk/dist, 2 MB:
  // a watch-mode session may rebuild it). Debootstrap bases come from the machine's store by recipe digest.
  const hash = createHash('sha256');
  hash.update(await readFile(key));
  await hashTree(hash, dir, '');
  hash.update('\0sdk\0');
  await hashTree(hash, join(REPO, 'sdk/dist'), '');
  const cached = join(packs, `${hash.digest('hex')}.hpk`);
  if (existsSync(cached)) {
    await copyFile(cached, out);
    return out;
  }
  await pack();
  // Copied under another name, then renamed: a reader never sees half a pack.
  const staged = `${cached}.${process.pid}.tmp`;
  await copyFile(out, staged);
  await rename(staged, cached);
  return out;
}
