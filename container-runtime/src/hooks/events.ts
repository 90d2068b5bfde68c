import type { DaemonCrash, DaemonStatus, HookName } from '@hearth/sdk/contract';

/** A hook to call and its event, derived from daemons' state changes. */
export interface HookCall {
  hook: HookName;
  event: unknown;
}

/**
 * Turns the stream of daemons' states into hook calls, once per event: a state said again (a
 * requirement lost, the same status re-sent) is not a new event. A daemon becomes ready (each time
 * it does), crashes (an exit it was not asked for: a restart follows, or it failed for good), or
 * fails for good (crash loop, a task that failed, a start that could not be made).
 */
export class HookEvents {
  private readonly seen = new Map<string, string>();

  /** The hook calls this state means, in order. */
  next(state: DaemonStatus, lastLines: readonly string[]): HookCall[] {
    const key = `${state.state}:${state.since}`;
    const previous = this.seen.get(state.id);
    if (previous === key) return [];
    this.seen.set(state.id, key);
    const wasReady = previous?.startsWith('ready:') ?? false;
    const calls: HookCall[] = [];
    if (state.state === 'ready' && !wasReady) calls.push({ hook: 'daemonReady', event: { daemon: state.id } });
    const exited = state.exitCode !== undefined || state.signal !== undefined;
    if ((state.state === 'restarting' || state.state === 'failed') && exited) {
      const crash: DaemonCrash<string> = { daemon: state.id, exitCode: state.exitCode ?? null, signal: state.signal ?? null, lastLines: [...lastLines], restarting: state.state === 'restarting' };
      calls.push({ hook: 'daemonCrashed', event: crash });
    }
    if (state.state === 'failed') calls.push({ hook: 'serviceFailed', event: { daemon: state.id, reason: state.message ?? 'failed' } });
    return calls;
  }
}
