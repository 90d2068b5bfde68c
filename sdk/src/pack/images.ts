import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { cp, lstat, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import type { ImageConfig } from '../contract/paths.js';
import { HearthError } from '../errors.js';
import type { ImageDeclaration, ImageSource } from '../manifest.js';
import { applyLayer } from './sources/apply-layer.js';
import { flattenDockerArchive, flattenOciLayout } from './sources/oci.js';

export const MKSQUASHFS_TIMEOUT_MS = 30 * 60_000;
export const DEBOOTSTRAP_TIMEOUT_MS = 60 * 60_000;
/** Bumped when the way images are built changes, so cached builds are not reused. */
const RECIPE = 'hearth-image-1';
export const CACHE_DIR = '.hearth-cache';

export const DEFAULT_IMAGE_CONFIG: ImageConfig = {
  entrypoint: null,
  cmd: null,
  env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  workdir: '/',
  user: 'root',
};

export interface BuiltImage {
  squashfs: string;
  config: ImageConfig;
  cached: boolean;
}

function sourcePath(packageDir: string, path: string): string {
  return isAbsolute(path) ? path : join(packageDir, path);
}

async function hashFile(hash: ReturnType<typeof createHash>, path: string): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) hash.update(chunk);
}

/** Relative names, modes and contents of a file or a directory tree, in a stable order (not where it lives). */
async function hashTree(hash: ReturnType<typeof createHash>, path: string, name = '.'): Promise<void> {
  const info = await lstat(path).catch(() => null);
  if (info === null) throw new HearthError('PACK_FAILED', `${path} does not exist`, { hint: 'build the files the image adds first' });
  hash.update(`${name}\0${info.mode}\0`);
  if (info.isDirectory()) for (const child of (await readdir(path)).sort()) await hashTree(hash, join(path, child), `${name}/${child}`);
  else if (info.isFile()) await hashFile(hash, path);
}

/**
 * The digest of everything an image is built from; null for a plain directory (hashing a tree
 * costs about what packing it does). OCI blobs are content-addressed, so their index names them.
 */
async function inputDigest(packageDir: string, decl: ImageDeclaration): Promise<string | null> {
  const { source } = decl;
  const hash = createHash('sha256').update(`${RECIPE}\n${JSON.stringify(decl)}\n`);
  for (const { from } of decl.add ?? []) await hashTree(hash, sourcePath(packageDir, from));
  switch (source.type) {
    case 'directory':
      return null;
    case 'tarball':
    case 'docker-archive':
      await hashFile(hash, sourcePath(packageDir, source.path));
      break;
    case 'oci-layout':
      hash.update(await readFile(join(sourcePath(packageDir, source.path), 'index.json')));
      break;
    case 'debootstrap':
      break; // the recipe is the input; Debian's archive moves, rebuild with --no-cache to pick that up
  }
  return hash.digest('hex');
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** Fill `root` from the source; returns the image config and whether file owners were kept. */
async function materialize(packageDir: string, id: string, source: ImageSource, root: string): Promise<{ config: ImageConfig; owners: boolean }> {
  const owners = process.getuid?.() === 0;
  const missing = (path: string): never => {
    throw new HearthError('PACK_FAILED', `image ${id}: ${path} does not exist`, { hint: `fix images.${id}.source in the manifest`, details: { image: id, path } });
  };
  switch (source.type) {
    case 'directory':
      throw new Error('directories are packed in place');
    case 'tarball': {
      const path = sourcePath(packageDir, source.path);
      if (!existsSync(path)) missing(path);
      const raw = createReadStream(path, { highWaterMark: 1024 * 1024 });
      const stream = /\.(tgz|gz)$/.test(path) ? raw.pipe(createGunzip()) : raw;
      await applyLayer(stream, root, path, { whiteouts: false, owners });
      return { config: DEFAULT_IMAGE_CONFIG, owners };
    }
    case 'oci-layout': {
      const path = sourcePath(packageDir, source.path);
      if (!(await isDirectory(path))) missing(path);
      return { config: await flattenOciLayout(path, source.tag, root, owners), owners };
    }
    case 'docker-archive': {
      const path = sourcePath(packageDir, source.path);
      if (!existsSync(path)) missing(path);
      return { config: await flattenDockerArchive(path, source.tag, root, owners), owners };
    }
    case 'debootstrap': {
      if (!owners) throw new HearthError('PACK_FAILED', `image ${id}: debootstrap needs root`, { hint: 'run hearth-pack as root (sudo) for debootstrap images' });
      const args = [`--variant=${source.variant ?? 'minbase'}`, ...(source.packages?.length ? [`--include=${source.packages.join(',')}`] : []), source.suite, root, source.mirror ?? 'http://deb.debian.org/debian'];
      const result = await execa('debootstrap', args, { timeout: DEBOOTSTRAP_TIMEOUT_MS, reject: false, all: true });
      if (result.exitCode !== 0) {
        throw new HearthError('PACK_FAILED', `image ${id}: debootstrap ${source.suite} failed: ${(result.all ?? '').split('\n').slice(-3).join(' | ')}`, {
          hint: 'install debootstrap (apt-get install debootstrap) and check the suite and package names',
        });
      }
      await rm(join(root, 'var/cache/apt/archives'), { recursive: true, force: true }); // downloaded .debs: not needed at run time
      await mkdir(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
      return { config: DEFAULT_IMAGE_CONFIG, owners };
    }
  }
}

async function mksquashfs(id: string, root: string, out: string, allRoot: boolean): Promise<void> {
  const args = [root, out, '-noappend', ...(allRoot ? ['-all-root'] : []), '-comp', 'zstd', '-Xcompression-level', '3', '-no-progress', '-quiet'];
  const result = await execa('mksquashfs', args, { timeout: MKSQUASHFS_TIMEOUT_MS, reject: false });
  if (result.exitCode !== 0) {
    throw new HearthError('PACK_FAILED', `image ${id}: mksquashfs failed: ${result.stderr || result.shortMessage}`, {
      hint: 'install squashfs-tools (apt-get install squashfs-tools)',
      details: { image: id },
    });
  }
}

/**
 * Build one image into a squashfs. Sources other than directories are cached in the package's
 * `.hearth-cache/` by the digest of their inputs: an unchanged image is not rebuilt.
 */
export async function buildImage(packageDir: string, id: string, decl: ImageDeclaration, workDir: string, useCache = true): Promise<BuiltImage> {
  const { source } = decl;
  if (source.type === 'directory') {
    const path = sourcePath(packageDir, source.path);
    if (!(await isDirectory(path))) {
      throw new HearthError('PACK_FAILED', `image ${id}: source directory ${path} does not exist`, {
        hint: `build the image first (for the examples: bash build-image.sh), or fix images.${id}.source.path`,
        details: { image: id, path },
      });
    }
    const squashfs = join(workDir, `${id}.squashfs`);
    await mksquashfs(id, path, squashfs, true);
    return { squashfs, config: DEFAULT_IMAGE_CONFIG, cached: false };
  }
  const digest = await inputDigest(packageDir, decl);
  const cacheDir = join(packageDir, CACHE_DIR, `${id}-${(digest ?? '').slice(0, 32)}`);
  if (useCache && existsSync(join(cacheDir, 'config.json'))) {
    return { squashfs: join(cacheDir, 'image.squashfs'), config: JSON.parse(await readFile(join(cacheDir, 'config.json'), 'utf8')) as ImageConfig, cached: true };
  }
  const building = `${cacheDir}.tmp-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await mkdir(join(building, 'root'), { recursive: true });
  try {
    const { config, owners } = await materialize(packageDir, id, source, join(building, 'root'));
    for (const { from, to } of decl.add ?? []) {
      const target = join(building, 'root', to);
      await mkdir(dirname(target), { recursive: true });
      await cp(sourcePath(packageDir, from), target, { recursive: true, verbatimSymlinks: true });
    }
    await mksquashfs(id, join(building, 'root'), join(building, 'image.squashfs'), !owners);
    await rm(join(building, 'root'), { recursive: true, force: true });
    await writeFile(join(building, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    // Older builds of this image are superseded.
    for (const old of await readdir(join(packageDir, CACHE_DIR)).catch(() => [] as string[])) {
      if (old.startsWith(`${id}-`) && !old.includes('.tmp-')) await rm(join(packageDir, CACHE_DIR, old), { recursive: true, force: true });
    }
    await rename(building, cacheDir);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
  return { squashfs: join(cacheDir, 'image.squashfs'), config: JSON.parse(await readFile(join(cacheDir, 'config.json'), 'utf8')) as ImageConfig, cached: false };
}
