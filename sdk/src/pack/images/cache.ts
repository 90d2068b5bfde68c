import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageConfig } from '../../contract/paths.js';
import { processExists } from '../../system/processes.js';

/** The package's build cache, beside its sources (and in .gitignore). */
export const CACHE_DIR = '.hearth-cache';
/** Digest characters in a cache entry's name: 128 bits, enough to never collide by chance. */
const DIGEST_CHARS = 32;
/** Entries of the cache layout before it had one folder per image: `<id>-<32 hex>` at the top. */
const LEGACY_ENTRY = /^(.+)-[0-9a-f]{32}$/;

/**
 * `base`: the slow part of an image (debootstrap, an OCI or docker import, a tarball), built from
 * the source alone — now kept per machine in the BaseStore; a package folder's own `base-*`
 * entries (made by earlier versions of hearth-pack) are still read. `image`: the base with the
 * image's `add`ed files on top. Editing an added file builds a new `image` from the cached `base`.
 */
export type CacheKind = 'base' | 'image';

export interface CachedBuild {
  squashfs: string;
  config: ImageConfig;
  /** Whether file owners came from the source (packing as root); otherwise every file is root's. */
  owners: boolean;
}

/** What a cached build records beside its squashfs. */
export type BuildMeta = Omit<CachedBuild, 'squashfs'>;

/** A cache entry's meta.json, or null when it is damaged (a full disk, a hand edit): the build is made again. */
export function parseBuildMeta(text: string): BuildMeta | null {
  let meta: Partial<BuildMeta>;
  try {
    meta = JSON.parse(text) as Partial<BuildMeta>;
  } catch {
    return null;
  }
  if (typeof meta?.config !== 'object' || meta.config === null || typeof meta.owners !== 'boolean') return null;
  return { config: meta.config, owners: meta.owners };
}

/** One image's builds in `<package>/.hearth-cache/images/<image id>/<kind>-<digest>/`. */
export class ImageCache {
  private readonly dir: string;

  constructor(
    private readonly cacheRoot: string,
    private readonly id: string,
  ) {
    this.dir = join(cacheRoot, 'images', id);
  }

  private entry(kind: CacheKind, digest: string): string {
    return join(this.dir, `${kind}-${digest.slice(0, DIGEST_CHARS)}`);
  }

  /** The cached build, or null; an entry whose meta.json is damaged (a full disk, a hand edit) is a miss and is built again. */
  async lookup(kind: CacheKind, digest: string): Promise<CachedBuild | null> {
    const dir = this.entry(kind, digest);
    if (!existsSync(join(dir, 'meta.json')) || !existsSync(join(dir, 'image.squashfs'))) return null;
    const meta = parseBuildMeta(await readFile(join(dir, 'meta.json'), 'utf8'));
    return meta === null ? null : { squashfs: join(dir, 'image.squashfs'), ...meta }; // damaged: rebuilt, and commit replaces the entry
  }

  /** A fresh folder to build in, beside where the build will live (so committing it is a rename). */
  async staging(kind: CacheKind, digest: string): Promise<string> {
    return await freshStaging(this.entry(kind, digest));
  }

  /**
   * Make a staged build (holding `image.squashfs`) the cached one, superseding this image's
   * earlier builds of the same kind. Only this image's own folder is pruned, never another
   * image's, even one whose id starts with this one's.
   */
  async commit(kind: CacheKind, digest: string, staging: string, meta: BuildMeta): Promise<CachedBuild> {
    await writeFile(join(staging, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    const target = this.entry(kind, digest);
    for (const old of await readdir(this.dir)) {
      if (old.startsWith(`${kind}-`) && !isStaging(old)) await rm(join(this.dir, old), { recursive: true, force: true });
      else if (isDeadStaging(old)) await rm(join(this.dir, old), { recursive: true, force: true });
    }
    await this.pruneLegacy();
    await rename(staging, target);
    return { squashfs: join(target, 'image.squashfs'), ...meta };
  }

  private async pruneLegacy(): Promise<void> {
    for (const old of await readdir(this.cacheRoot)) {
      if (LEGACY_ENTRY.exec(old)?.[1] === this.id) await rm(join(this.cacheRoot, old), { recursive: true, force: true });
    }
  }
}

/**
 * A staging folder is its entry's name with this, the building pack's pid and a random word
 * appended: one pack can build the same base for two images at once (both on debian).
 */
const STAGING_MARK = '.tmp-';

/** A fresh staging folder for `entry`, of this process, beside it (so committing it is a rename). */
export async function freshStaging(entry: string): Promise<string> {
  const dir = `${entry}${STAGING_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A staging folder (of a running pack or a dead one), not a finished entry. */
export function isStaging(name: string): boolean {
  return name.includes(STAGING_MARK);
}

/** A staging folder left by a pack that is no longer running (it crashed or was killed). */
export function isDeadStaging(name: string): boolean {
  if (!isStaging(name)) return false;
  const owner = /^(\d+)(?:-[0-9a-f]+)?$/.exec(name.slice(name.lastIndexOf(STAGING_MARK) + STAGING_MARK.length));
  return owner === null || !processExists(Number(owner[1]));
}

