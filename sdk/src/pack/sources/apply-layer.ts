import { chmod, lchown, link, lstat, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { HearthError } from '../../errors.js';
import { tarEntries } from './tar-entries.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

export interface ApplyOptions {
  /** Honour OCI whiteouts (image layers); plain rootfs tarballs have none. */
  whiteouts: boolean;
  /** Set owners from the archive (needs root). */
  owners: boolean;
}

function fail(what: string, path: string, why: string): never {
  throw new HearthError('PACK_FAILED', `${what}: entry ${JSON.stringify(path)} ${why}`, { hint: 'the image is malformed or hostile; do not use it' });
}

/** A tar path as a clean relative path inside the root, or null for the root itself. */
export function cleanPath(raw: string, what: string): string | null {
  const normal = posix.normalize(`/${raw}`).slice(1).replace(/\/$/, '');
  if (normal === '' || normal === '.') return null;
  if (normal.split('/').includes('..') || raw.split('/').includes('..')) fail(what, raw, 'climbs out of the image with ..');
  return normal;
}

/** Make the parents of `rel` as directories, refusing to pass through a symlink (it could point anywhere). */
async function safeParents(root: string, rel: string, what: string): Promise<void> {
  let dir = root;
  for (const part of rel.split('/').slice(0, -1)) {
    dir = join(dir, part);
    const info = await lstat(dir).catch(() => null);
    if (info === null) await mkdir(dir, { mode: 0o755 });
    else if (info.isSymbolicLink()) fail(what, rel, `goes through the symlink ${part}`);
    else if (!info.isDirectory()) {
      await rm(dir, { force: true });
      await mkdir(dir, { mode: 0o755 });
    }
  }
}

/** Delete what lower layers put in `dir`, keeping what this layer added. */
async function clearOpaque(root: string, dir: string, added: ReadonlySet<string>): Promise<void> {
  for (const child of await readdir(join(root, dir)).catch(() => [] as string[])) {
    const rel = dir === '' ? child : `${dir}/${child}`;
    if (!added.has(rel)) await rm(join(root, rel), { recursive: true, force: true });
    else if ((await lstat(join(root, rel))).isDirectory()) await clearOpaque(root, rel, added);
  }
}

/** Apply one tar layer (or a whole rootfs tarball) onto `root`. Returns warnings (skipped device nodes). */
export async function applyLayer(stream: Readable, root: string, what: string, options: ApplyOptions): Promise<string[]> {
  const warnings: string[] = [];
  const added = new Set<string>();
  const opaque: string[] = [];
  for await (const { entry, content } of tarEntries(stream, what)) {
    const rel = cleanPath(entry.path, what);
    if (rel === null) continue;
    const name = posix.basename(rel);
    const dir = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    if (options.whiteouts && name === OPAQUE) {
      opaque.push(dir); // applied after the layer, so entries of this layer in any order survive
      continue;
    }
    if (options.whiteouts && name.startsWith(WHITEOUT)) {
      const victim = dir === '' ? name.slice(WHITEOUT.length) : `${dir}/${name.slice(WHITEOUT.length)}`;
      await safeParents(root, victim, what);
      await rm(join(root, victim), { recursive: true, force: true });
      continue;
    }
    await safeParents(root, rel, what);
    const path = join(root, rel);
    const existing = await lstat(path).catch(() => null);
    if (entry.type === '5') {
      if (existing && !existing.isDirectory()) await rm(path, { recursive: true, force: true });
      if (!existing?.isDirectory()) await mkdir(path);
      await chmod(path, entry.mode);
    } else if (entry.type === '0' || entry.type === '7') {
      if (existing) await rm(path, { recursive: true, force: true });
      await writeFile(path, await content(), { mode: entry.mode });
      await chmod(path, entry.mode); // writeFile's mode is filtered by the umask
    } else if (entry.type === '2') {
      if (existing) await rm(path, { recursive: true, force: true });
      await symlink(entry.linkpath, path);
    } else if (entry.type === '1') {
      const target = cleanPath(entry.linkpath, what);
      if (target === null) fail(what, entry.path, 'hard-links to the root');
      const info = await lstat(join(root, target)).catch(() => null);
      if (!info?.isFile()) fail(what, entry.path, `hard-links to ${entry.linkpath}, which is not a file extracted before it`);
      if (existing) await rm(path, { recursive: true, force: true });
      await link(join(root, target), path);
    } else {
      warnings.push(`skipped ${entry.path}: device nodes and fifos are not carried in images`);
      continue;
    }
    if (options.owners) await lchown(path, entry.uid, entry.gid);
    added.add(rel);
    for (let p = dirname(rel); p !== '.' && p !== ''; p = dirname(p)) added.add(p);
  }
  for (const dir of opaque) await clearOpaque(root, dir, added);
  return warnings;
}
