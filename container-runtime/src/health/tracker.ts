import type { CheckTiming } from '@hearth/sdk';

export type HealthState = 'starting' | 'ready' | 'not-ready';

/**
 * The health state machine of one check: `starting` until the first pass; `ready` on a pass;
 * `not-ready` after `failureThreshold` consecutive failures counted after the grace period (also
 * when it was never ready, so a check that never passes says so instead of starting forever).
 * Failures closer together than `intervalMs` count once: the runtime polls faster while a daemon
 * starts, to notice readiness early, without using up the threshold sooner.
 * Pure: the caller passes the time of each result.
 */
export class HealthTracker {
  private current: HealthState = 'starting';
  private failures = 0;
  private lastCounted = Number.NEGATIVE_INFINITY;
  private lastMessage = '';

  constructor(
    private readonly timing: CheckTiming,
    private readonly startedAt: number,
  ) {}

  record(ok: boolean, message: string, now: number): HealthState {
    if (ok) {
      this.failures = 0;
      this.lastCounted = Number.NEGATIVE_INFINITY;
      this.current = 'ready';
      this.lastMessage = '';
      return this.current;
    }
    this.lastMessage = message;
    if (now - this.startedAt < this.timing.gracePeriodMs) return this.current;
    if (now - this.lastCounted < this.timing.intervalMs) return this.current;
    this.lastCounted = now;
    this.failures += 1;
    if (this.failures >= this.timing.failureThreshold) this.current = 'not-ready';
    return this.current;
  }

  get state(): HealthState {
    return this.current;
  }

  /** Why the last attempt failed, with the count: `connection refused (3 failures in a row)`. */
  get message(): string {
    return this.failures > 0 ? `${this.lastMessage} (${this.failures} failure${this.failures === 1 ? '' : 's'} in a row)` : this.lastMessage;
  }
}
