import { lxcStart, lxcStop, removeMonitorCgroups, type LxcTarget } from '../system/lxc.js';
import type { CleanupStack } from './cleanup.js';

/** The LXC calls a start makes, passed in so the undo order can be tested without LXC. */
export interface ContainerOps {
  start(target: LxcTarget, configFile: string): Promise<void>;
  /**
   * Idempotent: stopping a container that is not running does nothing. `graceful`: SIGTERM to its
   * init first; otherwise SIGKILL at once (its daemons were already stopped through the runtime).
   */
  stop(target: LxcTarget, graceful: boolean): Promise<void>;
}

export const LXC_OPS: ContainerOps = {
  start: lxcStart,
  stop: async (target, graceful) => {
    await lxcStop(target, graceful);
    await removeMonitorCgroups(target.name);
  },
};

/**
 * Start the container with its stop already owed: lxc-start can fail late (a timeout, an error
 * after the container came up) and leave it running, so the undo is pushed before the call.
 */
export async function startContainer(cleanup: CleanupStack, target: LxcTarget, configFile: string, graceful: () => boolean, ops: ContainerOps = LXC_OPS): Promise<void> {
  pushContainerStop(cleanup, target, graceful, ops);
  await ops.start(target, configFile);
}

/** `graceful` is asked when the stop runs: whether the container's processes still need their SIGTERM. */
export function pushContainerStop(cleanup: CleanupStack, target: LxcTarget, graceful: () => boolean, ops: ContainerOps = LXC_OPS): void {
  cleanup.push(() => ops.stop(target, graceful()));
}

/**
 * Poll `isRunning` every `intervalMs` until stopped; call `onExit` once when it says no. A probe or
 * `onExit` that fails is passed to `onError`, never left as an unhandled rejection.
 */
export function watchExit(isRunning: () => Promise<boolean>, onExit: () => Promise<void> | void, onError: (error: unknown) => void, intervalMs: number): () => void {
  let done = false;
  let busy = false;
  const timer = setInterval(() => {
    if (done || busy) return;
    busy = true;
    isRunning()
      .then(async (running) => {
        if (running || done) return;
        done = true;
        await onExit();
      })
      .catch(onError)
      .finally(() => (busy = false));
  }, intervalMs);
  return () => {
    done = true;
    clearInterval(timer);
  };
}
