import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError, compareVersions, errorMessage, type RestoreSummary, type SnapshotSummary } from '@hearth/sdk/contract';
import { crashPoint } from '../crash-points.js';
import { reconcileSettings } from '../settings/settings.js';
import { reconcileSecrets } from '../secrets/reconcile.js';
import type { Target } from './targets.js';
import { readStaged } from './snapshot-content.js';
import { commitRestore, makeRestoreDir } from './restore-commit.js';
import type { Backups, Progress } from './backups.js';

export interface RestoreRequest {
  id: string;
  snapshot?: string | undefined;
  target?: string | undefined;
  /** Replace the data of an installed service (or the volumes an uninstall kept). */
  overwrite?: boolean | undefined;
  allowUntrusted?: boolean | undefined;
}

const isDir = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** Volumes an uninstall without --purge kept: a restore would replace them. */
async function keptVolumes(volumesDir: string): Promise<string[]> {
  return (await readdir(volumesDir).catch(() => [] as string[])).filter((e) => !e.startsWith('.'));
}

/**
 * Restore a service from a snapshot. restic writes the snapshot beside the live volumes while the
 * service keeps running; it is checked (its meta, every volume it names); a service that is not
 * installed is installed from the snapshot's own package archive. Only then is the service stopped
 * and the swap committed (restore-commit.ts), then it is started and waited for until ready, and a
 * snapshot taken hot gets the package's afterRestore hook. A wrong password, a damaged repository
 * or a bad snapshot fails before the service is stopped, its data untouched.
 */
export async function restoreService(backups: Backups, request: RestoreRequest, target: Target, snapshot: SnapshotSummary, progress: Progress, signal?: AbortSignal): Promise<RestoreSummary> {
  const { manager, engine } = backups;
  const { layout, state, logger } = manager.options;
  const { id } = request;
  const existing = state.service(id);
  const volumesDir = join(layout.volumesDir, id);
  const kept = existing === undefined ? await keptVolumes(volumesDir) : [];
  if (request.overwrite !== true && (existing !== undefined || kept.length > 0)) {
    const what = existing !== undefined ? `${id} is installed` : `${id}'s volumes (${kept.join(', ')}) were kept by an uninstall`;
    throw new HearthError('PACKAGE_ALREADY_INSTALLED', `${what}: restoring replaces its data with snapshot ${snapshot.shortId} of ${snapshot.time}`, {
      hint: `confirm with \`hearth restore ${id} --yes\` (or back it up first: hearth backup ${id} --to ${target.name})`,
      details: { id, snapshot: snapshot.id },
    });
  }
  if (existing !== undefined && compareVersions(snapshot.version, existing.version) > 0) {
    throw new HearthError('INVALID_PARAMS', `snapshot ${snapshot.shortId} is of ${id} ${snapshot.version}, newer than the installed ${existing.version}: its data may not work with older code`, {
      hint: `update ${id} to ${snapshot.version} first, or uninstall it so the restore installs the snapshot's own version`,
    });
  }
  const wasRunning = manager.runners.has(id);
  progress('restoring');
  const dir = await makeRestoreDir(volumesDir);
  let committed = false;
  let installedFresh = false;
  let stopped = false;
  let meta;
  try {
    await engine.restore(target, snapshot.id, dir, signal);
    const staged = await readStaged(dir);
    meta = staged.meta;
    if (meta.service !== id) throw new HearthError('RESTORE_FAILED', `snapshot ${snapshot.shortId} holds ${meta.service}, not ${id}`);
    for (const v of meta.volumes) {
      if (!(await isDir(join(dir, v)))) throw new HearthError('RESTORE_FAILED', `snapshot ${snapshot.shortId} lacks the volume ${v} its meta.json names`, { hint: `check the repository: hearth backup verify --target ${target.name}` });
    }
    crashPoint('restore:restored');
    if (existing === undefined) {
      progress('installing');
      await manager.install(staged.archive, { expectId: id, ...(request.allowUntrusted === true && { allowUntrusted: true }) });
      installedFresh = true;
    }
    progress('committing');
    await manager.lock.run(id, 'restore', async () => {
      manager.installed(id);
      const { manifest } = manager.info(id);
      stopped = manager.runners.has(id);
      await manager.stopRunner(id);
      const settings = reconcileSettings(manifest.settings, staged.config.settings).settings;
      const secrets = reconcileSecrets(manifest, staged.config.secrets, { prune: true, now: new Date().toISOString() }).secrets;
      await commitRestore({ layout, state, secrets: manager.configs.store }, dir, { service: id, volumes: manifest.volumes, settings, secrets });
      committed = true;
    });
  } catch (error) {
    if (!committed) {
      await rm(dir, { recursive: true, force: true });
      // Nothing was replaced: an install made for this restore goes (volumes kept), a stopped service starts again.
      if (installedFresh) await manager.uninstall(id, false).catch((e: unknown) => logger.error('could not undo the install of a failed restore', { service: id, error: errorMessage(e) }));
      if (stopped && wasRunning) await manager.start(id, false).catch((e: unknown) => logger.error('could not start the service again after a failed restore', { service: id, error: errorMessage(e) }));
    }
    progress('done');
    if (error instanceof HearthError) throw error;
    throw new HearthError('RESTORE_FAILED', `restoring ${id} failed: ${errorMessage(error)}; its data is as it was`, { cause: error });
  }
  logger.info('restored', { service: id, snapshot: snapshot.id, target: target.name, version: meta.version, installed: installedFresh });
  progress('starting');
  await manager.start(id, true);
  let afterRestore;
  if (meta.mode === 'hot') {
    afterRestore = (await manager.running(id).backupHook('afterRestore', { version: meta.version, snapshot: snapshot.id })) ?? undefined;
    if (afterRestore !== undefined && !afterRestore.ok) {
      throw new HearthError('RESTORE_FAILED', `${id}'s volumes were restored and it started, but its afterRestore hook failed: ${afterRestore.error ?? 'no reason given'}`, { hint: `see \`hearth logs ${id}\``, details: { id, snapshot: snapshot.id } });
    }
  }
  progress('done');
  return { id, version: manager.installed(id).version, snapshot: snapshot.id, target: target.name, installed: installedFresh, status: manager.status(id), ...(afterRestore !== undefined && { afterRestore }) };
}
