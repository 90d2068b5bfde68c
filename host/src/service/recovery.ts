import { Backoff } from '@hearth/sdk/contract';

/** How a service whose runtime died is started again: the same capped backoff daemons get. */
export const RECOVERY_POLICY = {
  mode: 'always',
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
  maxCrashes: 10,
  windowMs: 600_000,
} as const;

/** Per service: when it last started, its backoff, and the pending restart timer (cleared on stop). */
export class RecoverySchedule {
  private readonly backoffs = new Map<string, Backoff>();
  private readonly startedAt = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  started(id: string, now = Date.now()): void {
    this.startedAt.set(id, now);
  }

  /** Delay before the next restart, or null when it has failed too often to try again. */
  failed(id: string, now = Date.now()): number | null {
    let backoff = this.backoffs.get(id);
    if (!backoff) {
      backoff = new Backoff({ ...RECOVERY_POLICY });
      this.backoffs.set(id, backoff);
    }
    const decision = backoff.onExit(this.startedAt.get(id) ?? now, now, true);
    return decision.restart ? decision.delayMs : null;
  }

  schedule(id: string, delayMs: number, fn: () => void): void {
    this.cancel(id);
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        fn();
      }, delayMs),
    );
  }

  cancel(id: string): void {
    const timer = this.timers.get(id);
    if (timer) clearTimeout(timer);
    this.timers.delete(id);
  }

  cancelAll(): void {
    for (const id of [...this.timers.keys()]) this.cancel(id);
  }
}
