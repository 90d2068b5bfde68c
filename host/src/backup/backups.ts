import { HearthError, errorMessage, type BackupPhase, type BackupSummary, type RestoreSummary, type SnapshotSummary } from '@hearth/sdk/contract';
import type { ServiceManager } from '../service/manager.js';
import type { BackupEngine, SnapshotInfo } from './engine.js';
import type { Target, TargetStore } from './targets.js';
import { createBackup } from './backup-run.js';
import { restoreService, type RestoreRequest } from './restore-run.js';

/** Tags every hearth snapshot carries; `service=<id>` and the rest say whose and what it is. */
export const HEARTH_TAG = 'hearth';
export const tagOf = (key: string, value: string | number): string => `${key}=${value}`;

/** The value of `key=…` among a snapshot's tags. */
export function tagValue(tags: readonly string[], key: string): string | undefined {
  return tags.find((t) => t.startsWith(`${key}=`))?.slice(key.length + 1);
}

export function summaryOf(target: string, snapshot: SnapshotInfo): SnapshotSummary | null {
  const service = tagValue(snapshot.tags, 'service');
  const version = tagValue(snapshot.tags, 'version');
  const mode = tagValue(snapshot.tags, 'mode');
  if (!snapshot.tags.includes(HEARTH_TAG) || service === undefined || version === undefined) return null;
  const bytes = Number(tagValue(snapshot.tags, 'bytes'));
  return { id: snapshot.id, shortId: snapshot.shortId, target, service, version, time: snapshot.time, bytes: Number.isSafeInteger(bytes) ? bytes : null, mode: mode === 'hot' ? 'hot' : 'cold' };
}

export type Progress = (phase: BackupPhase, bytes?: number, totalBytes?: number) => void;

/** `hearth backup` and `hearth restore`: services, targets and the engine brought together. */
export class Backups {
  constructor(
    readonly manager: ServiceManager,
    readonly targets: TargetStore,
    readonly engine: BackupEngine,
  ) {}

  private progress(id: string, target: string, operation: 'backup' | 'restore'): Progress {
    return (phase, bytes = 0, totalBytes = 0) => this.manager.events.emit({ type: 'backup.progress', id, target, operation, phase, bytes, totalBytes });
  }

  async create(id: string, targetName: string, signal?: AbortSignal): Promise<BackupSummary> {
    const target = await this.targets.get(targetName);
    this.manager.installed(id);
    return await createBackup(this, id, target, this.progress(id, target.name, 'backup'), signal);
  }

  async list(id?: string, targetName?: string, signal?: AbortSignal): Promise<SnapshotSummary[]> {
    const targets = targetName === undefined ? await this.targets.list() : [await this.targets.get(targetName)];
    const out: SnapshotSummary[] = [];
    for (const target of targets) out.push(...(await this.snapshotsIn(target, id, signal)));
    return out.sort((a, b) => a.time.localeCompare(b.time));
  }

  async snapshotsIn(target: Target, id: string | undefined, signal?: AbortSignal): Promise<SnapshotSummary[]> {
    const tags = [HEARTH_TAG, ...(id === undefined ? [] : [tagOf('service', id)])];
    return (await this.engine.snapshots(target, tags, signal)).flatMap((s) => summaryOf(target.name, s) ?? []);
  }

  /** The snapshot a restore means: by id prefix, else the service's latest, in one target or all. */
  async findSnapshot(id: string, snapshot: string | undefined, targetName: string | undefined, signal?: AbortSignal): Promise<{ target: Target; snapshot: SnapshotSummary }> {
    const targets = targetName === undefined ? await this.targets.list() : [await this.targets.get(targetName)];
    let found: { target: Target; snapshot: SnapshotSummary } | null = null;
    for (const target of targets) {
      for (const s of await this.snapshotsIn(target, id, signal)) {
        if (snapshot !== undefined && !s.id.startsWith(snapshot)) continue;
        if (found === null || s.time > found.snapshot.time) found = { target, snapshot: s };
      }
    }
    if (found === null) {
      throw new HearthError('SNAPSHOT_NOT_FOUND', snapshot === undefined ? `no snapshot of ${id} in ${targetName ?? 'any target'}` : `no snapshot ${snapshot} of ${id} in ${targetName ?? 'any target'}`, {
        hint: `see \`hearth backup ls ${id}\``,
        details: { id, ...(snapshot !== undefined && { snapshot }) },
      });
    }
    return found;
  }

  async restore(request: RestoreRequest, signal?: AbortSignal): Promise<RestoreSummary> {
    const { target, snapshot } = await this.findSnapshot(request.id, request.snapshot, request.target, signal);
    return await restoreService(this, request, target, snapshot, this.progress(request.id, target.name, 'restore'), signal);
  }

  /** The target `hearth backup require-before-update` named, or null. */
  requiredBeforeUpdate(): string | null {
    return this.manager.options.state.state.backup?.requireBeforeUpdate ?? null;
  }

  async setRequiredBeforeUpdate(targetName: string | null): Promise<void> {
    if (targetName !== null) await this.targets.get(targetName);
    await this.manager.options.state.update((draft) => {
      const settings = { ...draft.backup };
      if (targetName === null) delete settings.requireBeforeUpdate;
      else settings.requireBeforeUpdate = targetName;
      draft.backup = settings;
    });
  }

  /**
   * An installed service is about to be updated: with the host's setting, back it up first, and
   * refuse the update (nothing changed) if that fails, as Cloudron does.
   */
  async beforeUpdate(id: string): Promise<void> {
    const target = this.requiredBeforeUpdate();
    if (target === null) return;
    try {
      await this.create(id, target);
    } catch (error) {
      const cause = HearthError.from(error);
      throw new HearthError('BACKUP_FAILED', `the update of ${id} was refused: this host requires a backup into ${target} before updates, and it failed (${cause.message}); nothing was changed`, {
        hint: `fix the target (hearth backup verify --target ${target}), or turn the requirement off: hearth backup require-before-update off`,
        details: { id, target, causeCode: cause.code },
        cause: error,
      });
    }
  }

  async verify(targetName: string | undefined, readData: boolean, signal?: AbortSignal): Promise<{ name: string; ok: boolean; error?: string; code?: string }[]> {
    const targets = targetName === undefined ? await this.targets.list() : [await this.targets.get(targetName)];
    const results = [];
    for (const target of targets) {
      try {
        await this.engine.check(target, readData, signal);
        results.push({ name: target.name, ok: true });
      } catch (error) {
        const code = error instanceof HearthError ? error.code : 'INTERNAL';
        results.push({ name: target.name, ok: false, error: errorMessage(error), code });
      }
    }
    return results;
  }
}
