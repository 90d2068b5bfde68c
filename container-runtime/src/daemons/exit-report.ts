import type { DaemonSpec, DaemonStatus, RestartDecision } from '@hearth/sdk/contract';
import type { Exit } from './process.js';

/** Lines of its last output a failed daemon's message quotes. */
export const QUOTED_LINES = 5;

/** A status without what the daemon adds itself (id, kind, since). */
export type StatusUpdate = Omit<DaemonStatus, 'id' | 'since' | 'kind'>;

export interface ExitFacts {
  spec: Pick<DaemonSpec, 'kind' | 'restart'>;
  exit: Exit;
  /** Set when the kernel killed it for memory: the service's limit in MiB, null when unknown. */
  oomLimitMiB?: number | null;
  /** Why the runtime killed it for a failed liveness check, if it did. */
  livenessKill: string | null;
  /** The backoff's decision for this exit; absent for a task that finished (exit 0). */
  decision: RestartDecision | null;
  lastLines: readonly string[];
}

/** What an exit was, in words: `exited with code 3`, `was killed by SIGKILL`. */
export function describeExit(exit: Exit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? '?'}`;
}

/** Whether the exit counts as a failure for the restart policy (`on-failure`). */
export function exitFailed(exit: Exit, livenessKill: string | null): boolean {
  return exit.code !== 0 || exit.signal !== null || livenessKill !== null;
}

/**
 * The status a run's end leads to, and when to start it again (`restartInMs`): a task that
 * finished is `exited`; otherwise `restarting` with the delay and the count, or `failed` with the
 * reason (crash loop, restart policy) and its last output. Pure.
 */
export function exitReport(facts: ExitFacts): { status: StatusUpdate; restartInMs: number | null } {
  const { spec, exit, decision } = facts;
  if (decision === null) return { status: { state: 'exited', message: 'finished', exitCode: 0 }, restartInMs: null };
  const oom =
    facts.oomLimitMiB === undefined ? null : `was killed by the kernel: out of memory${facts.oomLimitMiB === null ? '' : ` (the service's limit is ${facts.oomLimitMiB} MiB)`}`;
  const how = oom ?? facts.livenessKill ?? describeExit(exit);
  const exitFacts = { ...(exit.code !== null && { exitCode: exit.code }), ...(exit.signal !== null && { signal: exit.signal }) };
  if (decision.restart) {
    const message = `${how}; restarting in ${(decision.delayMs / 1000).toFixed(1)} s (exit ${decision.crashes} of ${spec.restart.maxCrashes} allowed in ${spec.restart.windowMs / 1000} s)`;
    return { status: { state: 'restarting', message, restarts: decision.crashes, ...exitFacts }, restartInMs: decision.delayMs };
  }
  const why =
    decision.reason === 'crash-loop'
      ? `${how}; it exited ${decision.crashes} times within ${spec.restart.windowMs / 1000} s, so it is not restarted again`
      : `${how}${spec.kind === 'daemon' ? ` and its restart policy is ${spec.restart.mode}` : ''}`;
  const tail = facts.lastLines.slice(-QUOTED_LINES);
  const message = tail.length > 0 ? `${why}; last output: ${tail.join(' | ')}` : why;
  return { status: { state: 'failed', message, restarts: decision.crashes, lastLines: tail, ...exitFacts }, restartInMs: null };
}
