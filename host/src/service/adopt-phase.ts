import type { DaemonStatus, RuntimePhase } from '@hearth/sdk/contract';

/** What adopting a running container takes, given where its runtime is. */
export type AdoptAction = 'keep' | 'start' | 'restart';

/**
 * A runtime's phase, or for a runtime older than `phase` a guess from its daemons: all waiting
 * with no process is one that never got runtime.start; any stopping or stopped one was being stopped.
 */
export function runtimePhase(reported: RuntimePhase | undefined, daemons: readonly DaemonStatus[]): RuntimePhase {
  if (reported !== undefined) return reported;
  if (daemons.some((d) => d.state === 'stopping')) return 'stopping';
  if (daemons.some((d) => d.state === 'stopped')) return 'stopped';
  if (daemons.length > 0 && daemons.every((d) => d.state === 'waiting' && d.pid === undefined)) return 'loaded';
  return 'started';
}

/**
 * Adopting a service that should run finishes what the hearthd before began: a start it never
 * sent (or that was under way; runtime.start is idempotent) is sent; a stop is not undone in
 * place: the container is stopped and the service started afresh.
 */
export function adoptAction(phase: RuntimePhase): AdoptAction {
  if (phase === 'loaded' || phase === 'starting') return 'start';
  if (phase === 'stopping' || phase === 'stopped') return 'restart';
  return 'keep';
}
