import { errorMessage, type CheckFunction, type HealthCheckSpec } from '@hearth/sdk/contract';
import type { Logger } from '@hearth/sdk/system';
import { runCheck, type Attempt, type CheckContext } from '../health/checks.js';
import { HealthTracker, type HealthState } from '../health/tracker.js';
import type { DaemonState } from '@hearth/sdk/contract';

/** While a daemon starts, readiness is polled this often (at most), so ready is noticed early. */
export const STARTUP_POLL_MS = 10;

export interface HealthLoopOptions {
  check: HealthCheckSpec;
  role: 'ready' | 'live';
  /** Where command checks run: the daemon's root, user, cgroups and environment. */
  where: Omit<CheckContext, 'checkFunction' | 'signal' | 'inFlight'>;
  checkFunction(ref: string): CheckFunction | undefined;
  /** After each attempt: the tracker's state and why (a message when it failed). */
  onResult(health: HealthState, attempt: Attempt, tracker: HealthTracker): void;
  logger: Logger;
  /** Injected for tests. @default runCheck */
  run?: (check: HealthCheckSpec, ctx: CheckContext) => Promise<Attempt>;
  now?: () => number;
}

/**
 * One check of one run of a daemon, every interval until `stop` (faster while readiness is still
 * starting). `stop` clears its timer and aborts the attempt under way, whose result is then
 * ignored: nothing of a run's checks outlives it.
 */
export class HealthLoop {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private readonly tracker: HealthTracker;
  private readonly inFlight: CheckContext['inFlight'] = { call: null };
  private readonly now: () => number;

  constructor(private readonly options: HealthLoopOptions) {
    this.now = options.now ?? Date.now;
    this.tracker = new HealthTracker(options.check, this.now());
  }

  start(): this {
    this.attempt();
    return this;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.controller.abort(new Error('the daemon’s run ended'));
  }

  private attempt(): void {
    const { check, where, role, logger } = this.options;
    const run = this.options.run ?? runCheck;
    const ctx: CheckContext = { ...where, checkFunction: (ref) => this.options.checkFunction(ref), signal: this.controller.signal, inFlight: this.inFlight };
    run(check, ctx)
      .then((result) => {
        if (this.stopped) return;
        const health = this.tracker.record(result.ok, result.ok ? '' : result.message, this.now());
        this.options.onResult(health, result, this.tracker);
        if (this.stopped) return; // onResult may end the run (a liveness kill)
        const starting = role === 'ready' && this.tracker.state === 'starting';
        this.timer = setTimeout(() => this.attempt(), starting ? Math.min(check.intervalMs, STARTUP_POLL_MS) : check.intervalMs);
      })
      .catch((error: unknown) => logger.error('a health check attempt failed unexpectedly; the checks stop', { role, error: errorMessage(error) }));
  }
}

/**
 * The state a readiness result moves a running daemon to, or null when it stays as it is: ready on
 * a pass, not-ready after the threshold, starting (with why) while it has not passed yet.
 */
export function readinessUpdate(health: HealthState, ok: boolean, message: string, current: DaemonState): { state: DaemonState; message?: string } | null {
  if (health === 'ready' && current !== 'ready') return { state: 'ready' };
  if (health === 'not-ready' && current !== 'not-ready') return { state: 'not-ready', message };
  if (health === 'starting' && !ok) return { state: 'starting', message: `readiness: ${message}` };
  return null;
}
