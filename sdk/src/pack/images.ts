import { stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { execa } from 'execa';
import type { ImageConfig } from '../contract/paths.js';
import { HearthError } from '../errors.js';
import type { ImageDeclaration } from '../manifest.js';

export const MKSQUASHFS_TIMEOUT_MS = 30 * 60_000;

export const DEFAULT_IMAGE_CONFIG: ImageConfig = {
  entrypoint: null,
  cmd: null,
  env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  workdir: '/',
  user: 'root',
};

/** Build one image into a squashfs file; returns its config. */
export async function buildImage(packageDir: string, id: string, decl: ImageDeclaration, out: string): Promise<ImageConfig> {
  const source = isAbsolute(decl.source.path) ? decl.source.path : join(packageDir, decl.source.path);
  const info = await stat(source).catch(() => null);
  if (!info?.isDirectory()) {
    throw new HearthError('PACK_FAILED', `image ${id}: source directory ${source} does not exist`, {
      hint: 'build the image first (for the examples: bash build-image.sh), or fix images.' + id + '.source.path',
      details: { image: id, path: source },
    });
  }
  const result = await execa(
    'mksquashfs',
    [source, out, '-noappend', '-all-root', '-comp', 'zstd', '-Xcompression-level', '3', '-no-progress', '-quiet'],
    { timeout: MKSQUASHFS_TIMEOUT_MS, reject: false },
  );
  if (result.exitCode !== 0) {
    throw new HearthError('PACK_FAILED', `image ${id}: mksquashfs failed: ${result.stderr || result.shortMessage}`, {
      hint: 'install squashfs-tools (apt-get install squashfs-tools)',
      details: { image: id },
    });
  }
  return DEFAULT_IMAGE_CONFIG;
}
