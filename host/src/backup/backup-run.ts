import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError, backupPolicyOf, errorMessage, type BackupSummary } from '@hearth/sdk/contract';
import { ensureDir, servicePaths } from '../layout.js';
import { crashPoint } from '../crash-points.js';
import { diskUsage } from '../system/disk-usage.js';
import { HEARTH_VERSION } from '../version.js';
import type { Target } from './targets.js';
import { STAGING_DIR, stageBackup, type BackupMeta } from './snapshot-content.js';
import { HEARTH_TAG, tagOf, type Backups, type Progress } from './backups.js';

const isDir = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

/**
 * One backup of one service into one target, under the service's lock. Cold (the default, and any
 * service that is not running): a running service is stopped while its volumes are read and
 * started again after, waited for until ready. Hot: the service keeps running; its beforeBackup
 * hook stages consistent data (a failing hook fails the backup, nothing stored), excluded volumes
 * are not read, and afterBackup runs whatever happened. The repository is opened first, so a wrong
 * password or a damaged repository fails before the service is touched.
 */
export async function createBackup(backups: Backups, id: string, target: Target, progress: Progress, signal?: AbortSignal): Promise<BackupSummary> {
  const { manager, engine } = backups;
  const { layout, logger } = manager.options;
  const started = Date.now();
  progress('preparing');
  await engine.open(target, signal);
  let restart = false;
  try {
    return await manager.lock.run(id, 'backup', async () => {
      const record = manager.installed(id);
      const { manifest } = manager.info(id);
      const policy = backupPolicyOf(manifest);
      const paths = servicePaths(layout, id, record.installDir);
      await ensureDir(paths.volumesDir, 'passage');
      const runner = manager.runners.get(id);
      const hot = policy.mode === 'hot' && runner !== undefined;
      if (!hot && runner !== undefined) {
        progress('stopping');
        await manager.stopRunner(id); // desired stays `running`: a crash now restarts it at boot
        restart = true;
      }
      if (hot) {
        progress('hook');
        const report = await runner.backupHook('beforeBackup');
        if (report !== null && !report.ok) {
          throw new HearthError('BACKUP_FAILED', `${id}'s beforeBackup hook failed: ${report.error ?? 'no reason given'}; nothing was stored`, { hint: `see \`hearth logs ${id}\``, details: { id, hook: 'beforeBackup' } });
        }
      }
      let ok = false;
      try {
        const excluded = hot ? policy.exclude : [];
        const volumes: string[] = [];
        for (const v of manifest.volumes) if (!excluded.includes(v) && (await isDir(join(paths.volumesDir, v)))) volumes.push(v);
        const time = new Date().toISOString();
        const meta: BackupMeta = { format: 'hearth-backup-v1', service: id, title: record.title, version: record.version, time, mode: hot ? 'hot' : 'cold', volumes, excluded, hearthVersion: HEARTH_VERSION };
        await stageBackup(paths.volumesDir, meta, paths.archive, { settings: record.settings ?? {}, secrets: await manager.configs.store.read(id) });
        const included = [STAGING_DIR, ...volumes];
        let bytes = 0;
        for (const p of included) bytes += (await diskUsage(join(paths.volumesDir, p))) ?? 0;
        const tags = [HEARTH_TAG, tagOf('service', id), tagOf('version', record.version), tagOf('mode', meta.mode), tagOf('bytes', bytes)];
        progress('reading', 0, bytes);
        crashPoint('backup:reading');
        const result = await engine.backup(target, { cwd: paths.volumesDir, paths: included, tags }, (p) => progress('reading', p.bytesDone, p.totalBytes), signal);
        ok = true;
        logger.info('backed up', { service: id, target: target.name, snapshot: result.snapshotId, bytes: result.bytesProcessed, added: result.bytesAdded, mode: meta.mode });
        return {
          id: result.snapshotId,
          shortId: result.snapshotId.slice(0, 8),
          target: target.name,
          service: id,
          version: record.version,
          time,
          bytes,
          mode: meta.mode,
          bytesAdded: result.bytesAdded,
          durationMs: Date.now() - started,
        };
      } finally {
        await rm(join(paths.volumesDir, STAGING_DIR), { recursive: true, force: true });
        if (hot) {
          const after = await runner.backupHook('afterBackup', { ok }).catch((error: unknown) => ({ ok: false, error: errorMessage(error) }));
          if (after !== null && !after.ok) logger.warn('the afterBackup hook failed', { service: id, error: after.error });
        }
      }
    });
  } finally {
    if (restart && manager.options.state.service(id)?.desired === 'running') {
      progress('starting');
      await manager.start(id, true).catch((error: unknown) => logger.error('the service did not start again after its backup', { service: id, error: errorMessage(error) }));
    }
    progress('done');
  }
}
