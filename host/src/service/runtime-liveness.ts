/**
 * hearthd's liveness probe on a container's runtime, as Kubernetes probes a container: package code
 * (hooks, actions, function checks, file renders) runs on the runtime's only thread, and a
 * synchronous endless loop there stalls it for good without closing its socket. Probed from the
 * host so the container pays no thread or memory for it.
 */
export const RUNTIME_LIVENESS = {
  /** From the start of one ask to the start of the next (like periodSeconds). */
  intervalMs: 10_000,
  /** How long one ask waits for its answer (like timeoutSeconds). */
  timeoutMs: 10_000,
  /** Consecutive unanswered asks that declare the runtime unresponsive (like failureThreshold). */
  misses: 3,
} as const;

export type LivenessPolicy = { readonly [K in keyof typeof RUNTIME_LIVENESS]: number };

/** How long the runtime has been silent when it is declared unresponsive, under `policy`. */
export function silentForMs(policy: LivenessPolicy = RUNTIME_LIVENESS): number {
  return policy.misses * policy.timeoutMs;
}

/** The status message a user sees (and hearthd logs) when the runtime is declared unresponsive. */
export function unresponsiveMessage(policy: LivenessPolicy = RUNTIME_LIVENESS): string {
  return `the container runtime has not answered for ${Math.round(silentForMs(policy) / 1000)} s: package code (a hook, action, check or file render) is blocking it; the service is restarted`;
}

export interface LivenessProbe {
  /** One ask (runtime.status) bounded by `timeoutMs`: resolves when answered, rejects otherwise. */
  ask(timeoutMs: number): Promise<unknown>;
  /**
   * True while hearthd has as many requests in flight as the runtime handles at once: its reading
   * is paused by design then, so an unanswered ask says nothing about it being stuck.
   */
  saturated(): boolean;
  onUnresponsive(): void;
}

/** A timeout (code TIMEOUT) is the only failure that counts: an error reply is an answer, and a disconnect is handled by its own path. */
function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'TIMEOUT';
}

/**
 * Ask every `intervalMs` (one ask at a time: the next starts when the last ended, if that is later),
 * count consecutive unanswered asks, and call `onUnresponsive` once at `misses`; then it stops by
 * itself. Returns the stop function, idempotent, which also drops an ask in flight.
 */
export function watchRuntimeLiveness(probe: LivenessProbe, policy: LivenessPolicy = RUNTIME_LIVENESS): () => void {
  let stopped = false;
  let misses = 0;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (delayMs: number): void => {
    if (stopped) return;
    if (delayMs > 0) timer = setTimeout(() => void tick(), delayMs);
    else void tick(); // the last ask took the whole interval (it timed out): the next starts now
  };
  const tick = async (): Promise<void> => {
    const began = Date.now();
    const silent = await probe.ask(policy.timeoutMs).then(
      () => false,
      (error: unknown) => isTimeout(error),
    );
    if (stopped) return;
    if (!silent) misses = 0;
    else if (!probe.saturated()) misses += 1;
    if (misses >= policy.misses) {
      stopped = true;
      probe.onUnresponsive();
      return;
    }
    schedule(Math.max(0, policy.intervalMs - (Date.now() - began)));
  };
  schedule(policy.intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
