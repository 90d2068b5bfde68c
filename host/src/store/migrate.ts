import { chmod, lchown, lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError, errorMessage } from '@hearth/sdk/contract';
import type { Logger } from '../log.js';
import { CONTAINER_ID_COUNT, CONTAINER_ROOT_ID, ensureDir, type Layout } from '../layout.js';
import { stopLeftover } from '../service/sweep.js';
import { mountsUnder, unmount } from '../system/mounts.js';
import { writeFileAtomic } from './atomic.js';
import { loadState } from './state.js';

/**
 * The data dir's format, in `format.json`. 1: before it was recorded — volumes stored with
 * container ids idmapped to host ids (container root wrote host-root files). 2: container ids
 * shifted by CONTAINER_ROOT_ID, directories as layout.ts sets them out.
 */
export const DATA_FORMAT = 2;
export const FORMAT_FILE = 'format.json';

async function readFormat(layout: Layout): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(join(layout.dataDir, FORMAT_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const format = (JSON.parse(text) as { format?: unknown }).format;
  if (typeof format !== 'number' || !Number.isInteger(format)) {
    throw new HearthError('INTERNAL', `${join(layout.dataDir, FORMAT_FILE)} names no format`, { hint: 'restore it from a backup' });
  }
  return format;
}

async function entries(dir: string): Promise<string[]> {
  return await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
}

const SETID_BITS = 0o6000;

/**
 * Shift the owner of `dir` and everything under it by `delta`, for ids in `[from, from + count)`;
 * other ids are left, so running it again after an interruption finishes the job. Links are
 * never followed (lstat, lchown, readdir of real directories only). chown clears setuid/setgid,
 * so they are set again: a setuid file stays setuid, now to an unprivileged host uid.
 */
export async function shiftOwnership(dir: string, delta: number, from: number, count = CONTAINER_ID_COUNT): Promise<number> {
  const inRange = (id: number): boolean => id >= from && id < from + count;
  let shifted = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const path = pending.pop() ?? '';
    const info = await lstat(path);
    if (inRange(info.uid) || inRange(info.gid)) {
      await lchown(path, inRange(info.uid) ? info.uid + delta : info.uid, inRange(info.gid) ? info.gid + delta : info.gid);
      if (!info.isSymbolicLink() && (info.mode & SETID_BITS) !== 0) await chmod(path, info.mode & 0o7777);
      shifted += 1;
    }
    if (info.isDirectory()) for (const name of await readdir(path)) pending.push(join(path, name));
  }
  return shifted;
}

/** Every volume dir: `volumes/<service>/<volume>`. */
async function volumeDirs(layout: Layout): Promise<string[]> {
  const dirs: string[] = [];
  for (const service of await entries(layout.volumesDir)) {
    for (const volume of await entries(join(layout.volumesDir, service))) dirs.push(join(layout.volumesDir, service, volume));
  }
  return dirs;
}

/** Directory modes as layout.ts sets them out, for the per-service dirs format 1 made 0711. */
async function correctModes(layout: Layout): Promise<void> {
  for (const service of await entries(layout.volumesDir)) await ensureDir(join(layout.volumesDir, service), 'passage');
  for (const service of await entries(layout.packagesDir)) {
    await ensureDir(join(layout.packagesDir, service), 'passage');
    for (const name of await entries(join(layout.packagesDir, service))) {
      const path = join(layout.packagesDir, service, name);
      // Version dirs (format 1 also kept package/ directly in packages/<id>/, which stays 0755).
      if (name !== 'package' && (await lstat(path)).isDirectory()) await ensureDir(path, 'passage');
    }
  }
  for (const service of await entries(layout.logsDir)) await ensureDir(join(layout.logsDir, service), 'host');
}

/** Format 1 → 2: stop what format 1 left running, shift volume ownership, correct the modes. */
async function migrateFrom1(layout: Layout, logger: Logger): Promise<void> {
  const { services } = await loadState(layout.stateFile);
  // Containers of format 1 bind volumes idmapped: none may run while their files change owner.
  for (const id of new Set([...Object.keys(services), ...(await entries(layout.runDir))])) {
    await stopLeftover(layout, id, logger);
    await rm(join(layout.runDir, id), { recursive: true, force: true });
  }
  // Its base mount too: format 2 mounts the data dir over itself, which would hide it.
  for (const mount of await mountsUnder(layout.dataDir)) await unmount(mount);
  const volumes = await volumeDirs(layout);
  let reached = 0;
  try {
    for (const volume of volumes) {
      const count = await shiftOwnership(volume, CONTAINER_ROOT_ID, 0);
      logger.info('volume ownership shifted to the container range', { volume, files: count });
      reached += 1;
    }
    await correctModes(layout);
  } catch (error) {
    // Shifted back, so the volumes are format 1 again, whole: the hearth that made them can still use them.
    for (const volume of volumes.slice(0, reached + 1)) {
      await shiftOwnership(volume, -CONTAINER_ROOT_ID, CONTAINER_ROOT_ID).catch((undo: unknown) =>
        logger.error('could not shift a volume back', { volume, error: errorMessage(undo) }),
      );
    }
    throw error;
  }
}

/**
 * Bring the data dir to DATA_FORMAT before anything uses it. A fresh data dir is just marked. A
 * migration that fails leaves the data dir in its old format, usable by the hearth that made it,
 * and says why; running it again resumes.
 */
export async function migrateDataDir(layout: Layout, logger: Logger): Promise<void> {
  const format = await readFormat(layout);
  if (format === DATA_FORMAT) return;
  if (format !== null && format > DATA_FORMAT) {
    throw new HearthError('INTERNAL', `the data dir ${layout.dataDir} is format ${format}, made by a newer hearth; this one knows up to ${DATA_FORMAT}`, {
      hint: 'run the newer hearthd, or restore the data dir from a backup made before it',
    });
  }
  const used = (await entries(layout.dataDir)).some((name) => ['state.json', 'volumes', 'packages'].includes(name));
  if (used) {
    logger.warn('migrating the data dir', { dataDir: layout.dataDir, from: 1, to: DATA_FORMAT });
    try {
      await migrateFrom1(layout, logger);
    } catch (error) {
      throw new HearthError('INTERNAL', `migrating ${layout.dataDir} from format 1 to ${DATA_FORMAT} failed: ${errorMessage(error)}; it is left in format 1`, {
        hint: 'fix the cause (disk full, a read-only or foreign filesystem under volumes/) and start hearthd again: it resumes; the hearth that made the data dir can still use it meanwhile',
        cause: error,
      });
    }
  }
  await writeFileAtomic(join(layout.dataDir, FORMAT_FILE), `${JSON.stringify({ format: DATA_FORMAT })}\n`);
  if (used) logger.info('data dir migrated', { dataDir: layout.dataDir, format: DATA_FORMAT });
}
