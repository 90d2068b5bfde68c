import { HearthError, errorMessage, type BackupScheduleInfo, type LastBackup } from '@hearth/sdk/contract';
import type { Backups } from './backups.js';
import { HEARTH_TAG, tagOf } from './backups.js';
import { nextCronTime, parseCron } from './cron.js';

/**
 * Scheduled backups, run by hearthd: each schedule (a service, or `*` for every installed one)
 * runs when `everySeconds` have passed since its last run started, or at the first minute its cron
 * expression matches after that (after it was set, the first time). The last run is in the state,
 * so runs missed while hearthd was down run once at boot, not once per missed interval. After each
 * backup, restic's `forget --keep-last N --prune` keeps the service's newest N snapshots in that
 * target. Each outcome is recorded on the service (`lastBackup`, shown by `hearth ls`/`status`)
 * and sent as a `backup.scheduled` event; a failure is also logged.
 */

export type ScheduleWhen = { everySeconds: number } | { cron: string };

/** When a schedule is next due (ms since the epoch); never, for a cron expression that stopped parsing. */
export function dueAt(schedule: Omit<BackupScheduleInfo, 'service'>, nowMs: number): number {
  if (schedule.cron !== undefined) {
    const from = Date.parse(schedule.lastRun ?? schedule.since ?? '');
    try {
      return nextCronTime(parseCron(schedule.cron), Number.isNaN(from) ? nowMs : from) ?? Infinity;
    } catch {
      return Infinity; // checked when set: only a state file edited by hand gets here, and that schedule never runs
    }
  }
  return (schedule.lastRun === undefined ? 0 : Date.parse(schedule.lastRun)) + (schedule.everySeconds ?? Infinity) * 1000;
}

/** Sleep at most this long between looks at the schedules (they may change meanwhile). */
const MAX_SLEEP_MS = 60_000;
/** Seconds-level schedules are for tests; nothing runs more often than this. */
export const MIN_EVERY_SECONDS = 1;
export const MAX_EVERY_SECONDS = 366 * 24 * 3600;
export const MAX_KEEP = 10_000;
export const ALL_SERVICES = '*';

export class BackupScheduler {
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Set<string>();
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly backups: Backups,
    private readonly now: () => number = Date.now,
  ) {}

  private get state() {
    return this.backups.manager.options.state;
  }

  list(): BackupScheduleInfo[] {
    return Object.entries(this.state.state.backup?.schedules ?? {})
      .map(([service, s]) => ({ service, ...s }))
      .sort((a, b) => a.service.localeCompare(b.service));
  }

  /** Add or replace a schedule (its last run kept, so changing it does not run it at once), or remove it. */
  async set(service: string, schedule: (ScheduleWhen & { target: string; keep: number }) | null): Promise<void> {
    if (schedule !== null) {
      await this.backups.targets.get(schedule.target);
      if (service !== ALL_SERVICES) this.backups.manager.installed(service);
    }
    await this.state.update((draft) => {
      const schedules = { ...draft.backup?.schedules };
      if (schedule === null) delete schedules[service];
      else schedules[service] = { ...schedule, since: new Date(this.now()).toISOString(), ...(schedules[service]?.lastRun !== undefined && { lastRun: schedules[service].lastRun }) };
      draft.backup = { ...draft.backup, schedules };
    });
    this.arm(0);
  }

  start(): void {
    this.arm(0);
  }

  /** hearthd stops: no new run starts, and restic of a running one is cancelled (nothing half-stored). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.abort.abort();
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delayMs);
  }

  private tick(): void {
    let sleep = MAX_SLEEP_MS;
    for (const schedule of this.list()) {
      if (this.running.has(schedule.service)) continue;
      const wait = dueAt(schedule, this.now()) - this.now();
      if (wait <= 0) void this.run(schedule);
      else sleep = Math.min(sleep, wait);
    }
    this.arm(sleep);
  }

  private async run(schedule: BackupScheduleInfo): Promise<void> {
    const { logger } = this.backups.manager.options;
    this.running.add(schedule.service);
    try {
      await this.state.update((draft) => {
        const s = draft.backup?.schedules?.[schedule.service];
        if (s !== undefined) s.lastRun = new Date(this.now()).toISOString();
      });
      const ids = schedule.service === ALL_SERVICES ? Object.keys(this.state.state.services).sort() : [schedule.service];
      for (const id of ids) {
        if (this.stopped) return;
        await this.runOne(id, schedule);
      }
    } catch (error) {
      logger.error('a scheduled backup could not run', { schedule: schedule.service, error: errorMessage(error) });
    } finally {
      this.running.delete(schedule.service);
      this.arm(0);
    }
  }

  private async runOne(id: string, schedule: BackupScheduleInfo): Promise<void> {
    const { manager, engine, targets } = this.backups;
    const { logger, state } = manager.options;
    let outcome: LastBackup;
    try {
      const made = await this.backups.create(id, schedule.target, this.abort.signal);
      try {
        await engine.forget(await targets.get(schedule.target), [HEARTH_TAG, tagOf('service', id)], { last: schedule.keep }, this.abort.signal);
      } catch (error) {
        throw new HearthError('BACKUP_FAILED', `backed up as snapshot ${made.shortId}, but removing snapshots beyond the newest ${schedule.keep} failed: ${errorMessage(error)}`, { cause: error });
      }
      outcome = { time: new Date(this.now()).toISOString(), target: schedule.target, ok: true, snapshot: made.id };
    } catch (error) {
      outcome = { time: new Date(this.now()).toISOString(), target: schedule.target, ok: false, error: errorMessage(error) };
      logger.error('a scheduled backup failed', { service: id, target: schedule.target, error: outcome.error });
    }
    await state.update((draft) => {
      const record = draft.services[id];
      if (record !== undefined) record.lastBackup = outcome;
    });
    manager.events.emit({ type: 'backup.scheduled', id, ...outcome });
  }
}
