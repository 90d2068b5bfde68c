import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError, parseJsonDict } from '@hearth/sdk/contract';
import { writeFileAtomic } from '../store/atomic.js';
import type { StoredSecrets } from '../secrets/reconcile.js';

/**
 * What one snapshot of a service holds, relative to its volumes dir (`volumes/<id>/`, restic's cwd):
 * each backed-up volume as `<volume>/`, and `.hearth-backup/` with `meta.json` (service, version,
 * time, mode, volumes), `package.hpk` (the installed archive: a restore needs nothing else),
 * `settings.json` and `secrets.json` (0600; stored only inside the encrypted repository).
 * `.hearth-backup` is root's 0700 in a dir containers cannot reach, made for the backup and removed after.
 */

export const STAGING_DIR = '.hearth-backup';
const FORMAT = 'hearth-backup-v1';
const MAX_META_BYTES = 64 * 1024;
const MAX_CONFIG_BYTES = 1024 * 1024;

export interface BackupMeta {
  format: typeof FORMAT;
  service: string;
  title: string;
  version: string;
  time: string;
  /** How it was taken: `hot` snapshots get the afterRestore hook, which loads what beforeBackup staged. */
  mode: 'hot' | 'cold';
  /** Volumes read into the snapshot. */
  volumes: string[];
  /** Volumes the package excludes (hot): restored empty. */
  excluded: string[];
  hearthVersion: string;
}

export interface StagedConfig {
  settings: Record<string, string | number | boolean>;
  secrets: StoredSecrets;
}

/** Make `.hearth-backup/` beside the volumes (anything an interrupted backup left there is replaced). */
export async function stageBackup(volumesDir: string, meta: BackupMeta, archive: string, config: StagedConfig): Promise<string> {
  const dir = join(volumesDir, STAGING_DIR);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { mode: 0o700 });
  await writeFileAtomic(join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`, 0o600);
  await writeFileAtomic(join(dir, 'settings.json'), `${JSON.stringify(config.settings)}\n`, 0o600);
  await writeFileAtomic(join(dir, 'secrets.json'), `${JSON.stringify(config.secrets)}\n`, 0o600);
  // A hard link costs nothing and the archive is never written in place (updates make a new dir).
  await link(archive, join(dir, 'package.hpk')).catch(async (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(archive, join(dir, 'package.hpk'));
  });
  return dir;
}

async function readBounded(path: string, max: number): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if ((await handle.stat()).size > max) throw new HearthError('RESTORE_FAILED', `${path} in the snapshot is larger than hearth writes it`);
    return await readFile(handle, 'utf8');
  } finally {
    await handle.close();
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw damaged('one of its files is not a JSON object');
  return value as Record<string, unknown>;
}

const damaged = (what: string, cause?: unknown): HearthError =>
  new HearthError('RESTORE_FAILED', `the snapshot is not a hearth backup: ${what}`, { hint: 'pick another snapshot (`hearth backup ls`)', ...(cause !== undefined && { cause }) });

/** The restored `.hearth-backup/` of a snapshot, checked field by field. */
export async function readStaged(restoredDir: string): Promise<{ meta: BackupMeta; config: StagedConfig; archive: string }> {
  const dir = join(restoredDir, STAGING_DIR);
  let meta: Record<string, unknown>;
  let settings: Record<string, unknown>;
  let secrets: Record<string, unknown>;
  try {
    meta = asRecord(parseJsonDict(await readBounded(join(dir, 'meta.json'), MAX_META_BYTES)));
    settings = asRecord(parseJsonDict(await readBounded(join(dir, 'settings.json'), MAX_CONFIG_BYTES)));
    secrets = asRecord(parseJsonDict(await readBounded(join(dir, 'secrets.json'), MAX_CONFIG_BYTES)));
  } catch (error) {
    throw damaged('its meta.json, settings.json or secrets.json is missing or unreadable', error);
  }
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && /^[a-z][a-z0-9-]{0,62}$/.test(x));
  const { service, title, version, time, mode, volumes, excluded, hearthVersion } = meta;
  if (meta['format'] !== FORMAT || typeof service !== 'string' || typeof title !== 'string' || typeof version !== 'string' || typeof time !== 'string' || (mode !== 'hot' && mode !== 'cold') || !strings(volumes) || !strings(excluded)) {
    throw damaged('its meta.json has the wrong shape');
  }
  const cleanSettings: StagedConfig['settings'] = Object.create(null) as StagedConfig['settings'];
  for (const [k, v] of Object.entries(settings)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') cleanSettings[k] = v;
  const cleanSecrets: StoredSecrets = Object.create(null) as StoredSecrets;
  for (const [k, v] of Object.entries(secrets)) {
    const { value, setAt } = (v ?? {}) as { value?: unknown; setAt?: unknown };
    if (typeof value === 'string' && typeof setAt === 'string') cleanSecrets[k] = { value, setAt };
  }
  return {
    meta: { format: FORMAT, service, title, version, time, mode, volumes, excluded, hearthVersion: typeof hearthVersion === 'string' ? hearthVersion : '' },
    config: { settings: cleanSettings, secrets: cleanSecrets },
    archive: join(dir, 'package.hpk'),
  };
}
