import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError, errorMessage, parseJsonDict } from '@hearth/sdk/contract';
import { ensureDir, type Layout } from '../layout.js';
import { fsyncDir, writeFileAtomic } from '../store/atomic.js';
import type { StateStore } from '../store/state.js';
import type { SecretStore } from '../secrets/store.js';
import type { StoredSecrets } from '../secrets/reconcile.js';
import type { Logger } from '../log.js';
import { crashPoint } from '../crash-points.js';
import { STAGING_DIR } from './snapshot-content.js';

/** update-snapshot.ts's dir (named here: that module builds on this one). */
export const UPDATE_SNAPSHOT_DIR = '.hearth-update-snapshot';

/**
 * Putting restored data in place so that a crash at any instant leaves the service's old data or
 * its restored data, never a mix. restic restores into `volumes/<id>/.hearth-restore-<random>/`,
 * beside the live volumes (same filesystem: renames are atomic). Then `COMMIT.json` is written
 * (atomically) naming the volumes, settings and secrets to put in place: before it exists, boot
 * deletes the restore dir (old data kept); once it exists, boot rolls the swap forward. Each
 * volume is swapped by two renames (live → `.old/`, restored → live) that are each redone or
 * skipped by what is on disk, so rolling forward twice is harmless.
 */

export const RESTORE_PREFIX = '.hearth-restore-';
const COMMIT_FILE = 'COMMIT.json';
const OLD_DIR = '.old';
const FORMAT = 'hearth-restore-commit-v1';
const MAX_COMMIT_BYTES = 4 * 1024 * 1024;

export interface RestoreCommit {
  service: string;
  /** Every volume of the installed manifest: each is replaced (by an empty dir when the snapshot has none). */
  volumes: string[];
  settings: Record<string, string | number | boolean>;
  secrets: StoredSecrets;
}

export interface RestoreTargets {
  layout: Layout;
  state: StateStore;
  secrets: SecretStore;
}

/** A fresh root-only dir beside the service's volumes for restic to restore into. */
export async function makeRestoreDir(volumesDir: string): Promise<string> {
  await ensureDir(volumesDir, 'passage');
  const dir = join(volumesDir, `${RESTORE_PREFIX}${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
  );

/** The point of no return: record what to put in place, then put it there. */
export async function commitRestore(targets: RestoreTargets, dir: string, commit: RestoreCommit): Promise<void> {
  for (const volume of commit.volumes) {
    // A volume the snapshot lacks (excluded, or not made yet when it was taken) comes back empty.
    if (!(await exists(join(dir, volume)))) await ensureDir(join(dir, volume), 'container');
  }
  await writeFileAtomic(join(dir, COMMIT_FILE), `${JSON.stringify({ format: FORMAT, ...commit })}\n`, 0o600);
  crashPoint('restore:committed');
  await applyRestore(targets, dir);
}

async function readCommit(dir: string): Promise<RestoreCommit | null> {
  let text: string;
  try {
    const handle = await open(join(dir, COMMIT_FILE), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      if ((await handle.stat()).size > MAX_COMMIT_BYTES) throw new HearthError('INTERNAL', `${dir}/${COMMIT_FILE} is larger than hearth writes it`);
      text = await readFile(handle, 'utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = parseJsonDict(text) as Partial<RestoreCommit> & { format?: unknown };
  if (parsed.format !== FORMAT || typeof parsed.service !== 'string' || !Array.isArray(parsed.volumes) || typeof parsed.settings !== 'object' || typeof parsed.secrets !== 'object') {
    throw new HearthError('INTERNAL', `${dir}/${COMMIT_FILE} is not a hearth restore record`);
  }
  return parsed as RestoreCommit;
}

/** Roll a committed restore forward (idempotent), then delete the restore dir with the old data. */
export async function applyRestore(targets: RestoreTargets, dir: string): Promise<void> {
  const commit = await readCommit(dir);
  if (commit === null) throw new HearthError('INTERNAL', `${dir} has no commit record`);
  const volumesDir = join(targets.layout.volumesDir, commit.service);
  await mkdir(join(dir, OLD_DIR), { recursive: true, mode: 0o700 });
  for (const volume of commit.volumes) {
    const restored = join(dir, volume);
    if (!(await exists(restored))) continue; // swapped already
    const live = join(volumesDir, volume);
    if (await exists(live)) await rename(live, join(dir, OLD_DIR, volume));
    await rename(restored, live);
  }
  await fsyncDir(volumesDir);
  await targets.secrets.write(commit.service, commit.secrets);
  await targets.state.update((draft) => {
    const record = draft.services[commit.service];
    if (record !== undefined) record.settings = commit.settings;
  });
  await rm(dir, { recursive: true, force: true });
}

/**
 * Boot, before any service starts: restores a killed hearthd left are rolled forward if committed,
 * deleted if not (the old data is untouched then); a backup's staging dir is deleted, and so is an
 * update's volume snapshot unless the update is still recorded (boot finishes or rolls it back).
 */
export async function finishRestores(targets: RestoreTargets, logger: Logger): Promise<void> {
  const services = await readdir(targets.layout.volumesDir).catch(() => [] as string[]);
  for (const service of services) {
    const volumesDir = join(targets.layout.volumesDir, service);
    const entries = await readdir(volumesDir).catch(() => [] as string[]);
    for (const entry of entries) {
      const path = join(volumesDir, entry);
      // An update's volume snapshot is kept while the update may still roll back, i.e. while it is recorded.
      if (entry.startsWith(UPDATE_SNAPSHOT_DIR) && targets.state.service(service)?.previous === undefined) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      if (entry === STAGING_DIR) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      if (!entry.startsWith(RESTORE_PREFIX)) continue;
      try {
        if ((await readCommit(path)) !== null) {
          await applyRestore(targets, path);
          logger.info('finished a restore an earlier hearthd committed', { service });
        } else {
          await rm(path, { recursive: true, force: true });
          logger.info('discarded a restore an earlier hearthd left before committing; the data is as it was', { service });
        }
      } catch (error) {
        logger.error('could not finish an interrupted restore', { service, dir: path, error: errorMessage(error) });
      }
    }
  }
}
