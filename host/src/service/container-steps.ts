import { lxcStart, lxcStop, removeMonitorCgroups, type LxcTarget } from '../system/lxc.js';
import type { CleanupStack } from './cleanup.js';

/** The LXC calls a start makes, passed in so the undo order can be tested without LXC. */
export interface ContainerOps {
  start(target: LxcTarget, configFile: string): Promise<void>;
  /** Idempotent: stopping a container that is not running does nothing. */
  stop(target: LxcTarget): Promise<void>;
}

export const LXC_OPS: ContainerOps = {
  start: lxcStart,
  stop: async (target) => {
    await lxcStop(target);
    await removeMonitorCgroups(target.name);
  },
};

/**
 * Start the container with its stop already owed: lxc-start can fail late (a timeout, an error
 * after the container came up) and leave it running, so the undo is pushed before the call.
 */
export async function startContainer(cleanup: CleanupStack, target: LxcTarget, configFile: string, ops: ContainerOps = LXC_OPS): Promise<void> {
  pushContainerStop(cleanup, target, ops);
  await ops.start(target, configFile);
}

export function pushContainerStop(cleanup: CleanupStack, target: LxcTarget, ops: ContainerOps = LXC_OPS): void {
  cleanup.push(() => ops.stop(target));
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
