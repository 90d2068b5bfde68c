import { chmod, copyFile, lstat, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { HearthError } from '../../errors.js';

/** Symlinks followed while resolving one path inside an image, as the kernel's own limit. */
const MAX_SYMLINK_HOPS = 40;

/**
 * The host path of `path` inside the image at `root`, with symlinks in its parents resolved
 * as they will be inside the image (an absolute link is relative to the image's root, never the
 * host's), and missing parents made. The last component is not followed: it is replaced.
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const pending = posix.normalize(path).split('/').filter((p) => p !== '' && p !== '.');
  const last = pending.pop();
  if (last === undefined || last === '..') throw new HearthError('PACK_FAILED', `${path} is not a file path inside the image`, { hint: "`to` names where the file goes, such as '/opt/app'" });
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() ?? '';
    if (part === '..') {
      done.pop(); // clamped at the image's root, as in a chroot
      continue;
    }
    const here = join(root, ...done, part);
    const info = await lstat(here).catch(() => null);
    if (info === null) await mkdir(here, { mode: 0o755 });
    else if (info.isSymbolicLink()) {
      if ((hops += 1) > MAX_SYMLINK_HOPS) throw new HearthError('PACK_FAILED', `${path} goes through too many symlinks in the image`, { hint: 'fix the symlink loop in the image' });
      const target = await readlink(here);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
      continue;
    } else if (!info.isDirectory()) {
      throw new HearthError('PACK_FAILED', `${path}: /${[...done, part].join('/')} is a file in the image, not a directory`, { hint: 'choose another `to`' });
    }
    done.push(part);
  }
  return join(root, ...done, last);
}

/** Copy a file, symlink or tree from the package folder to `dest` in an image, replacing what is there (like a Dockerfile COPY). */
export async function copyInto(from: string, dest: string): Promise<void> {
  const info = await lstat(from);
  const existing = await lstat(dest).catch(() => null);
  if (info.isDirectory()) {
    if (existing !== null && !existing.isDirectory()) await rm(dest, { recursive: true, force: true });
    if (existing === null || !existing.isDirectory()) await mkdir(dest);
    await chmod(dest, info.mode & 0o7777);
    for (const child of await readdir(from)) await copyInto(join(from, child), join(dest, child));
    return;
  }
  if (existing !== null) await rm(dest, { recursive: true, force: true });
  if (info.isSymbolicLink()) await symlink(await readlink(from), dest);
  else if (info.isFile()) {
    await copyFile(from, dest);
    await chmod(dest, info.mode & 0o7777);
  } else {
    throw new HearthError('PACK_FAILED', `${from} is neither a file, a directory nor a symlink`, { hint: 'add only regular files, directories and symlinks' });
  }
}

/** `add` one entry: `from` on the host, `to` absolute in the image at `root`. */
export async function addToImage(root: string, from: string, to: string): Promise<void> {
  await copyInto(from, await resolveInRoot(root, to));
}
