import type { RestartPolicy } from './daemons.js';

export type RestartDecision =
  | { restart: true; delayMs: number; crashes: number }
  | { restart: false; reason: 'not-restarted' | 'crash-loop'; crashes: number };

/**
 * Decides, at each exit, whether and when to start again: exponential backoff from
 * `initialDelayMs` doubling to `maxDelayMs`; a run of `resetAfterMs` forgives everything before
 * it; `maxCrashes` exits within `windowMs` is a crash loop. Pure: time comes in as arguments.
 */
export class Backoff {
  private exits: number[] = [];

  constructor(private readonly policy: RestartPolicy) {}

  onExit(startedAt: number, exitedAt: number, failed: boolean): RestartDecision {
    if (exitedAt - startedAt >= this.policy.resetAfterMs) this.exits = [];
    this.exits = this.exits.filter((t) => exitedAt - t < this.policy.windowMs);
    this.exits.push(exitedAt);
    const crashes = this.exits.length;
    const wanted = this.policy.mode === 'always' || (this.policy.mode === 'on-failure' && failed);
    if (!wanted) return { restart: false, reason: 'not-restarted', crashes };
    if (crashes >= this.policy.maxCrashes) return { restart: false, reason: 'crash-loop', crashes };
    const delayMs = Math.min(this.policy.initialDelayMs * 2 ** (crashes - 1), this.policy.maxDelayMs);
    return { restart: true, delayMs, crashes };
  }

  get crashes(): number {
    return this.exits.length;
  }
}
