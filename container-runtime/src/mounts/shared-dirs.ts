import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SECRETS_DIR } from '@hearth/sdk/contract';
import { pointsUnder, readMountTable } from '@hearth/sdk/system';

/**
 * What the daemons left in the container's shared tmpfs dirs (`/run`, `/dev/shm`), removed before
 * they start again in the same container (`hearth restart`): a new container starts with them
 * empty, and a stale lock, pid or socket file there can keep a daemon from starting (PostgreSQL's
 * `.s.PGSQL.5432.lock` names a pid that another process may hold by then). Called only once every
 * daemon and straggler is gone. The secrets mount point stays; an entry with anything mounted at or
 * below it is left whole (removing through a mount would reach what it shows). Returns what was left.
 */
export async function clearSharedDirs(dirs: { runDir: string; shmDir: string }): Promise<string[]> {
  const mounts = await readMountTable();
  const keep = new Set([join(dirs.runDir, SECRETS_DIR.slice('/run/'.length))]);
  const left: string[] = [];
  for (const dir of [dirs.runDir, dirs.shmDir]) {
    for (const name of await readdir(dir).catch(() => [])) {
      const path = join(dir, name);
      if (keep.has(path)) continue;
      if (pointsUnder(mounts, path).length > 0) {
        left.push(path);
        continue;
      }
      await rm(path, { recursive: true, force: true });
    }
  }
  return left;
}
