import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DaemonSpec } from '@hearth/sdk/contract';
import type { RuntimePaths } from '../paths.js';
import { resolveUser, type UserIds } from '../daemons/user.js';

/** `/run`: every daemon's user can make its own files there, and only remove its own (like /tmp). */
export const RUN_DIR_MODE = 0o1777;
/** `/run/<daemon>`: its user's, readable by the other daemons (which share sockets there). */
export const DAEMON_RUN_DIR_MODE = 0o755;

const DIRECTORY_NO_LINKS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * Change a directory's owner (and mode) through a descriptor opened without following a link: the
 * path is in a tree daemons can write, so it may have been swapped for a link to elsewhere; then
 * the open fails (ELOOP or ENOTDIR) instead of changing what the link points at.
 */
async function ownDirectory(path: string, ids: UserIds, mode?: number): Promise<void> {
  const handle = await open(path, DIRECTORY_NO_LINKS);
  try {
    await handle.chown(ids.uid, ids.gid);
    if (mode !== undefined) await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}

/** Fresh: empty and still owned by container root, as hearthd creates a volume. */
async function isFresh(path: string): Promise<boolean> {
  const handle = await open(path, DIRECTORY_NO_LINKS);
  try {
    const info = await handle.stat();
    if (info.uid !== 0 || info.gid !== 0) return false;
  } finally {
    await handle.close();
  }
  return (await readdir(path)).length === 0;
}

/**
 * The owner of a volume's top directory (never recursive): a declared owner at every start (so a
 * volume restored from a backup gets it back), the daemon's user only while the volume is fresh
 * (once its user has it, or files are in it, it is left as they made it). Returns whether it changed.
 */
export async function applyVolumeOwner(volumeDir: string, ids: UserIds, declared: boolean): Promise<boolean> {
  if (!declared) {
    if (ids.uid === 0 && ids.gid === 0) return false; // a root daemon: container root's already
    if (!(await isFresh(volumeDir))) return false;
  }
  await ownDirectory(volumeDir, ids);
  return true;
}

/** `/run` sticky and writable by all, as on any Linux system: daemons of other users make their sockets there. */
export async function openRunDir(runDir: string): Promise<void> {
  const handle = await open(runDir, DIRECTORY_NO_LINKS);
  try {
    await handle.chmod(RUN_DIR_MODE);
  } finally {
    await handle.close();
  }
}

/**
 * `/run/<daemon>` owned by the daemon's user (created if missing), so a non-root daemon has a
 * place for its pid file and socket without a chown task. Something else in its place (a link, a
 * file another daemon planted) is removed first.
 */
export async function daemonRunDir(runDir: string, daemonId: string, ids: UserIds): Promise<string> {
  const dir = join(runDir, daemonId);
  const info = await lstat(dir).catch(() => null);
  if (info !== null && !info.isDirectory()) await rm(dir, { force: true });
  await mkdir(dir, { mode: DAEMON_RUN_DIR_MODE }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  await ownDirectory(dir, ids, DAEMON_RUN_DIR_MODE);
  return dir;
}

/**
 * Before a daemon's first run: each volume's owner (declared: resolved in its root, so a user name
 * is the image's; else its user, for a fresh writable volume) and its own dir under /run. Returns
 * the volumes whose owner changed.
 */
export async function prepareOwnership(spec: DaemonSpec, root: string, user: UserIds, paths: Pick<RuntimePaths, 'volumesDir' | 'runDir'>): Promise<string[]> {
  const changed: string[] = [];
  for (const mount of spec.mounts) {
    const owner = mount.owner ?? null; // a package of an older SDK has no owner field
    if (owner === null && mount.readonly) continue;
    const ids = owner === null ? user : await resolveUser(root, owner, { daemon: spec.id, image: spec.image, what: `owner of volume ${mount.volume}`, code: 'MANIFEST_INVALID' });
    if (await applyVolumeOwner(join(paths.volumesDir, mount.volume), ids, owner !== null)) changed.push(mount.volume);
  }
  await daemonRunDir(paths.runDir, spec.id, user);
  return changed;
}
