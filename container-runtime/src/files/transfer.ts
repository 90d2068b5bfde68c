import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HearthError, MAX_TRANSFER_BYTES } from '@hearth/sdk/contract';

/** `base` + an absolute path inside it; `..` cannot climb out (the path is normalised first). */
export function inside(base: string, path: string): string {
  if (!path.startsWith('/')) throw new HearthError('INVALID_PARAMS', `path ${JSON.stringify(path)} must be absolute`, { hint: 'give the path as the daemon sees it, like /etc/app.conf' });
  const normal = posix.normalize(path);
  if (normal === '/') throw new HearthError('INVALID_PARAMS', 'path must name a file, not /');
  return join(base, normal);
}

/** Write atomically (temp + rename) so a daemon never reads half a file. */
export async function putFile(target: string, content: Buffer, mode = 0o644): Promise<number> {
  if (content.length > MAX_TRANSFER_BYTES) {
    throw new HearthError('INVALID_PARAMS', `the file is ${content.length} bytes; at most ${MAX_TRANSFER_BYTES} can be copied at once`, { hint: 'copy large data into a volume from the host instead' });
  }
  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.hearth-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, target);
  return content.length;
}

export async function fetchFile(target: string): Promise<Buffer> {
  const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
    throw new HearthError('INVALID_PARAMS', `cannot read ${target}: ${error.code ?? error.message}`, { hint: 'check the path and the daemon or volume' });
  });
  if (!info.isFile()) throw new HearthError('INVALID_PARAMS', `${target} is not a regular file`);
  if (info.size > MAX_TRANSFER_BYTES) {
    throw new HearthError('INVALID_PARAMS', `the file is ${info.size} bytes; at most ${MAX_TRANSFER_BYTES} can be copied at once`, { hint: 'read large data from the volume on the host instead' });
  }
  return await readFile(target);
}
