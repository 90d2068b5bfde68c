import { HearthError, errorMessage, type Manifest } from '@hearth/sdk/contract';
import { join } from 'node:path';
import type { PreviousVersion } from '../store/state.js';
import { readInstalledManifest, removeInstalledVersion } from '../store/install.js';
import { crashPoint } from '../crash-points.js';
import type { ManagerCore } from './manager-core.js';
import { DEFAULT_READY_TIMEOUT_MS, waitReady } from './wait-ready.js';
import { reconcileSecrets } from '../secrets/reconcile.js';
import { dropVolumeSnapshot, rollbackVolumes } from '../backup/update-snapshot.js';

/**
 * The second half of an update of a running service: the old version is stopped and the new one
 * recorded (manager.ts install); here the new one is started and waited for. Until it is ready the
 * old version stays recorded as `previous` and its files stay on disk; if it does not become ready
 * the old version is put back and started (UPDATE_FAILED). Boot finishes an update a killed
 * hearthd left the same way.
 */

/** The same recorded version: by its dir (none for installs from before versioned dirs) and version. */
function samePrevious(a: PreviousVersion, b: PreviousVersion): boolean {
  return a.installDir === b.installDir && a.version === b.version;
}

/**
 * Start an updated service and wait for it; if it does not become ready, put the version it
 * replaced back (UPDATE_FAILED). Also how boot finishes an update a killed hearthd left.
 */
export async function startUpdated(core: ManagerCore, id: string, previous: { record: PreviousVersion; manifest: Manifest }): Promise<void> {
  const { layout, state, logger } = core.options;
  try {
    await core.start(id, false); // an adopted container of the new version is kept as it is
    crashPoint('update:new-started');
    await waitReady(core.events, id, () => core.status(id), DEFAULT_READY_TIMEOUT_MS, join(layout.logsDir, id));
  } catch (error) {
    const failed = state.service(id);
    // Stopped, updated again or uninstalled by a later call: the install itself stands.
    const overtaken = failed === undefined || (error instanceof HearthError && error.code === 'SERVICE_NOT_RUNNING');
    if (overtaken) {
      if (failed !== undefined) await settleUpdate(core, id, previous.record);
      return;
    }
    logger.warn('the updated service did not become ready; rolling back', { service: id, version: failed.version, to: previous.record.version, error: errorMessage(error) });
    const rolledBack = await core.lock.run(id, 'rollback', async () => {
      const current = state.service(id);
      if (current?.previous === undefined || !samePrevious(current.previous, previous.record)) return false; // overtaken meanwhile
      await core.stopRunner(id);
      // Data first (an atomic swap), then code: a crash between them finishes the rollback at boot.
      const data = await rollbackVolumes({ layout, state, secrets: core.configs.store }, id, previous.manifest.volumes, previous.record.settings ?? {});
      await state.update((draft) => {
        draft.services[id] = { ...previous.record, desired: 'running' };
      });
      core.manifests.set(id, previous.manifest);
      await removeInstalledVersion(layout, id, current.installDir);
      return { data };
    });
    if (rolledBack === false) return;
    core.events.emit({ type: 'package.installed', id, version: previous.record.version });
    const restarted = await core.start(id, false).then(
      () => true,
      () => false,
    );
    const what = rolledBack.data ? 'code and data restored: the volumes are as they were before the update' : 'code restored';
    throw new HearthError('UPDATE_FAILED', `${id} ${failed.version} did not become ready (${errorMessage(error)}); rolled back to ${previous.record.version}, ${what}${restarted ? '; it is starting again' : ''}`, {
      hint: rolledBack.data ? `see \`hearth logs ${id}\`` : `the volumes were not rolled back (no snapshot of them was left): a migration the new version ran stays; see \`hearth logs ${id}\``,
      details: { id, failedVersion: failed.version, version: previous.record.version, dataRestored: rolledBack.data },
      cause: error,
    });
  }
  await settleUpdate(core, id, previous.record, () => crashPoint('update:ready-recorded'));
}

/** The update stands: forget the version it replaced (unless a later update replaced it), then delete its files. */
export async function settleUpdate(core: ManagerCore, id: string, previous: PreviousVersion, onRecorded = (): void => undefined): Promise<void> {
  await core.options.state.update((draft) => {
    const record = draft.services[id];
    if (record?.previous !== undefined && samePrevious(record.previous, previous)) delete record.previous;
  });
  onRecorded();
  await removeInstalledVersion(core.options.layout, id, previous.installDir);
  await dropVolumeSnapshot(join(core.options.layout.volumesDir, id));
  await pruneSecrets(core, id);
}

/** No rollback can come any more: secrets only the replaced version declared are dropped. */
async function pruneSecrets(core: ManagerCore, id: string): Promise<void> {
  await core.lock.run(id, 'settle', async () => {
    const manifest = core.manifests.get(id);
    if (manifest === undefined || core.options.state.service(id) === undefined) return;
    const stored = await core.configs.store.read(id);
    const { secrets, dropped } = reconcileSecrets(manifest, stored, { prune: true, now: new Date().toISOString() });
    if (dropped.length === 0) return;
    await core.configs.store.write(id, secrets);
    core.options.logger.info('secrets the new version no longer declares were removed', { service: id, secrets: dropped });
  });
}

/**
 * Boot, after adoption and the sweep: finish an update an earlier hearthd was killed in. The new
 * version is started (or kept, if adopted) and waited for; if it does not become ready, the
 * recorded previous version is put back, as an update does (UPDATE_FAILED, thrown and logged).
 */
export async function resumeUpdate(core: ManagerCore, id: string): Promise<void> {
  const record = core.options.state.service(id);
  const previous = record?.previous;
  if (record === undefined || previous === undefined) return;
  core.options.logger.info('finishing an update an earlier hearthd left half-done', { service: id, version: record.version, from: previous.version });
  // Stopped by the user before the crash: the install stands, as when a stop overtakes an update.
  if (record.desired !== 'running') return await settleUpdate(core, id, previous);
  const manifest = await readInstalledManifest(core.options.layout, id, previous.installDir);
  await startUpdated(core, id, { record: previous, manifest });
}
