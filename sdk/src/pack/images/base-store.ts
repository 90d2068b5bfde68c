import { existsSync } from 'node:fs';
import { copyFile, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freshStaging, isDeadStaging, isStaging, parseBuildMeta, type BuildMeta, type CachedBuild } from './cache.js';

/** Digest characters in an entry's name: 128 bits, enough to never collide by chance. */
const DIGEST_CHARS = 32;
/** A base nobody packed from for this long is removed by the next pack that stores one. */
export const BASE_UNUSED_MS = 30 * 24 * 3_600_000;

/**
 * Where bases live: `HEARTH_PACK_CACHE` when set; for root `/var/cache/hearth-pack` (as apt keeps its
 * downloads in /var/cache); for others `$XDG_CACHE_HOME/hearth-pack` or `~/.cache/hearth-pack`.
 */
export function defaultBaseStoreRoot(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.()): string {
  const explicit = env['HEARTH_PACK_CACHE'];
  if (explicit) return explicit;
  if (uid === 0) return '/var/cache/hearth-pack';
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'hearth-pack');
}

/**
 * The slow part of images (a debootstrap run, flattened OCI or docker layers, an unpacked tarball),
 * kept once per machine and user by the digest of the source alone, so every package folder with
 * the same source reuses it, as a container engine's build cache does. Entries are immutable once
 * stored; packs that race to store the same base keep the first. `<root>/bases/<digest>/`.
 */
export class BaseStore {
  private readonly dir: string;

  constructor(root: string = defaultBaseStoreRoot()) {
    this.dir = join(root, 'bases');
  }

  private entry(digest: string): string {
    return join(this.dir, digest.slice(0, DIGEST_CHARS));
  }

  async lookup(digest: string): Promise<CachedBuild | null> {
    const dir = this.entry(digest);
    const text = await readFile(join(dir, 'meta.json'), 'utf8').catch(() => null);
    if (text === null || !existsSync(join(dir, 'image.squashfs'))) return null;
    const meta = parseBuildMeta(text);
    if (meta === null) {
      // Damaged: removed, so the base built instead can take its place (commit keeps an existing entry).
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      return null;
    }
    const now = new Date();
    await utimes(dir, now, now).catch(() => undefined); // last use, for pruning; a read-only store still serves
    return { squashfs: join(dir, 'image.squashfs'), ...meta };
  }

  /** A fresh folder to build in, beside where the base will live (so storing it is a rename). */
  async staging(digest: string): Promise<string> {
    return await freshStaging(this.entry(digest));
  }

  /**
   * Store a staged build (holding `image.squashfs`). `replace` (a pack with --no-cache) supersedes a
   * stored base of the same digest; otherwise one another pack stored meanwhile wins and ours goes.
   */
  async commit(digest: string, staging: string, meta: BuildMeta, replace: boolean): Promise<CachedBuild> {
    await writeFile(join(staging, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    const target = this.entry(digest);
    if (replace) await rm(target, { recursive: true, force: true });
    try {
      await rename(staging, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      await rm(staging, { recursive: true, force: true });
    }
    await this.prune(target);
    return { squashfs: join(target, 'image.squashfs'), ...meta };
  }

  /** Store a copy of a base built elsewhere (a package folder's own cache, from before the store). */
  async adopt(digest: string, built: CachedBuild): Promise<CachedBuild> {
    const staging = await this.staging(digest);
    try {
      await copyFile(built.squashfs, join(staging, 'image.squashfs'));
      return await this.commit(digest, staging, { config: built.config, owners: built.owners }, false);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /** Bases unused for BASE_UNUSED_MS, and staging folders of packs that died, except `keep`. */
  private async prune(keep: string): Promise<void> {
    const cutoff = Date.now() - BASE_UNUSED_MS;
    for (const name of await readdir(this.dir).catch(() => [])) {
      const path = join(this.dir, name);
      if (path === keep) continue;
      if (isDeadStaging(name)) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      if (isStaging(name)) continue; // a pack still building
      const info = await stat(path).catch(() => null);
      if (info && info.mtimeMs < cutoff) await rm(path, { recursive: true, force: true });
    }
  }
}
