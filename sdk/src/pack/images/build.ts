import { mkdir, rm, stat } from 'node:fs/promises';
import { HearthError } from '../../errors.js';
import { join } from 'node:path';
import type { ImageConfig } from '../../contract/paths.js';
import type { ImageDeclaration } from '../../manifest.js';
import { baseSource, sourcePath } from '../sources/index.js';
import { addToImage } from './add.js';
import { BaseStore } from './base-store.js';
import { CACHE_DIR, ImageCache, type BuildMeta, type CachedBuild } from './cache.js';
import { DEFAULT_IMAGE_CONFIG, RECIPE } from './defaults.js';
import { InputDigest } from './digest.js';
import { imageError, inImage } from './errors.js';
import { imageEpoch, mksquashfs, unsquashfs } from './squashfs.js';

export interface BuiltImage {
  squashfs: string;
  config: ImageConfig;
  /** The whole image came from the cache. */
  cached: boolean;
  /** The slow base (debootstrap, OCI, docker save, tarball) came from the cache; false for directories. */
  baseCached: boolean;
}

/**
 * Build one image into a squashfs. A directory is packed as it is. Other sources are built in two
 * cached steps, each keyed by the digest of its inputs: the base (the source alone, the slow part)
 * in the machine's BaseStore, shared by every package folder, and the image (the base plus the
 * files it `add`s) in the package's `.hearth-cache/`, so editing an added file reuses the base.
 */
export async function buildImage(packageDir: string, id: string, decl: ImageDeclaration, workDir: string, useCache = true, bases = new BaseStore()): Promise<BuiltImage> {
  const { source } = decl;
  if (source.type === 'directory') {
    const path = sourcePath(packageDir, source.path);
    const info = await stat(path).catch(() => null);
    if (!info?.isDirectory()) {
      const problem = new HearthError('PACK_FAILED', `${path} ${info ? 'is not a directory' : 'does not exist'}`);
      throw imageError(id, 'source.path', problem, 'build the image first (for the examples: bash build-image.sh), or fix the path');
    }
    const squashfs = join(workDir, `${id}.squashfs`);
    await inImage(id, 'source', () => mksquashfs(path, squashfs, true));
    return { squashfs, config: DEFAULT_IMAGE_CONFIG, cached: false, baseCached: false };
  }

  const cache = new ImageCache(join(packageDir, CACHE_DIR), id);
  const driver = baseSource(packageDir, source);
  const owners = process.getuid?.() === 0;
  const baseInputs = new InputDigest(`${RECIPE}@${imageEpoch()}\nbase\n${JSON.stringify(source)}\n${owners}\n`);
  await inImage(id, driver.field, () => driver.digest(baseInputs));
  const baseDigest = baseInputs.hex();

  let base = useCache ? await bases.lookup(baseDigest) : null;
  // A package folder's own base, from hearth-pack before the store: moved into the store.
  const legacy = useCache && base === null ? await cache.lookup('base', baseDigest) : null;
  if (legacy) base = await bases.adopt(baseDigest, legacy);
  const baseCached = base !== null;
  base ??= await inImage(id, 'source', async () => {
    const staging = await bases.staging(baseDigest);
    const store = (meta: BuildMeta): Promise<CachedBuild> => bases.commit(baseDigest, staging, meta, !useCache);
    return await commitBuilt(staging, baseInputs, store, async (root) => {
      await mkdir(root);
      return { config: await driver.materialize(root, owners), owners };
    });
  });
  const adds = decl.add ?? [];
  if (adds.length === 0) return { squashfs: base.squashfs, config: base.config, cached: baseCached, baseCached };

  const inputs = new InputDigest(`${RECIPE}@${imageEpoch()}\nimage\n${baseDigest}\n${JSON.stringify(adds)}\n`);
  for (const [i, { from }] of adds.entries()) await inImage(id, `add[${i}].from`, () => inputs.tree(sourcePath(packageDir, from)), 'build the files the image adds first, or fix the path');
  const digest = inputs.hex();
  const cachedImage = useCache ? await cache.lookup('image', digest) : null;
  if (cachedImage) return { squashfs: cachedImage.squashfs, config: cachedImage.config, cached: true, baseCached };
  const fromBase = base;
  const image = await inImage(id, 'add', async () => {
    const staging = await cache.staging('image', digest);
    const store = (meta: BuildMeta): Promise<CachedBuild> => cache.commit('image', digest, staging, meta);
    return await commitBuilt(staging, inputs, store, async (root) => {
      await unsquashfs(fromBase.squashfs, root);
      for (const { from, to } of adds) await addToImage(root, sourcePath(packageDir, from), to);
      return { config: fromBase.config, owners: fromBase.owners };
    });
  });
  return { squashfs: image.squashfs, config: image.config, cached: false, baseCached };
}

/** Fill `staging/root`, squash it, check the inputs did not change meanwhile, and `store` it; the staging dir goes either way. */
async function commitBuilt(staging: string, inputs: InputDigest, store: (meta: BuildMeta) => Promise<CachedBuild>, fill: (root: string) => Promise<BuildMeta>): Promise<CachedBuild> {
  try {
    const root = join(staging, 'root');
    const meta = await fill(root);
    await mksquashfs(root, join(staging, 'image.squashfs'), !meta.owners);
    await rm(root, { recursive: true, force: true });
    await inputs.assertUnchanged();
    return await store(meta);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
