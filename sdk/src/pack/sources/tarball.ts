import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { HearthError } from '../../errors.js';
import { applyLayer } from './apply-layer.js';

/** A root filesystem tarball (`.tar`, `.tar.gz`, `.tgz`) unpacked into `target`; owners kept when `owners`. */
export async function unpackTarball(path: string, target: string, owners: boolean): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (info === null || !info.isFile()) {
    throw new HearthError('PACK_FAILED', `${path} ${info === null ? 'does not exist' : 'is not a file'}`, {
      hint: 'make the rootfs tarball first (tar -C ROOT -czf rootfs.tar.gz .), or fix the path',
      details: { field: 'path' },
    });
  }
  const raw = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const stream = /\.(tgz|gz)$/.test(path) ? raw.pipe(createGunzip()) : raw;
  await applyLayer(stream, target, path, { whiteouts: false, owners });
}
