import { lstat, mkdir, readFile, readlink, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HearthError, MAX_TRANSFER_BYTES } from '@hearth/sdk/contract';

/** Symlinks followed in one path before giving up, as the kernel's ELOOP limit. */
export const MAX_SYMLINKS = 40;

/**
 * The host path of `path` as a process chrooted into `base` sees it: symlinks are followed the way
 * the kernel would follow them in the chroot (an absolute target starts again at `base`, `..`
 * stops at it), so a link in an image can never point a copy outside the daemon's root or volume.
 * Missing components are fine (a file about to be created). A daemon changing its files while this
 * runs can still race it; the caller is hearthd's root user copying into that daemon.
 */
export async function inside(base: string, path: string): Promise<string> {
  if (!path.startsWith('/')) throw new HearthError('INVALID_PARAMS', `path ${JSON.stringify(path)} must be absolute`, { hint: 'give the path as the daemon sees it, like /etc/app.conf' });
  const pending = posix.normalize(path).split('/').filter(Boolean);
  if (pending.length === 0) throw new HearthError('INVALID_PARAMS', 'path must name a file, not /');
  let resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() ?? '';
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(base, ...resolved, part);
    const info = await lstat(candidate).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    if (info?.isSymbolicLink()) {
      links += 1;
      if (links > MAX_SYMLINKS) throw new HearthError('INVALID_PARAMS', `${path} has more than ${MAX_SYMLINKS} symlinks to follow`, { hint: 'the image has a symlink loop there' });
      const target = await readlink(candidate);
      if (target.startsWith('/')) resolved = [];
      pending.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    resolved.push(part);
  }
  if (resolved.length === 0) throw new HearthError('INVALID_PARAMS', `${path} leads to /, not a file`);
  return join(base, ...resolved);
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
