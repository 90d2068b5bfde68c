import { DEFAULT_MAX_CONCURRENT_REQUESTS, type RpcPeer } from '@hearth/sdk/rpc';
import type { RuntimeMethods } from '@hearth/sdk/contract';
import { requestRuntime } from './runtime-results.js';
import { watchRuntimeLiveness } from './runtime-liveness.js';

/** hearthd's requests to one runtime, counted, and the liveness probe that needs that count. */
export class RuntimeCalls {
  /** Requests of ours the runtime has not answered yet: at its bound, it reads nothing more by design. */
  private inFlight = 0;
  /** Stops the liveness probe on the runtime (runtime-liveness.ts), while it runs. */
  private stopProbe: (() => void) | null = null;

  /** `redact` turns a failed request's error into one safe to log or return (secrets removed). */
  constructor(private readonly redact: (error: unknown) => unknown) {}

  /** A request whose result is checked and whose error is redacted before anyone logs or returns it. */
  async request<M extends keyof RuntimeMethods>(runtime: RpcPeer, method: M, params: RuntimeMethods[M]['params'], timeoutMs?: number): Promise<RuntimeMethods[M]['result']> {
    try {
      return await this.counted(requestRuntime(runtime, method, params, timeoutMs));
    } catch (error) {
      throw this.redact(error);
    }
  }

  async counted<T>(request: Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await request;
    } finally {
      this.inFlight -= 1;
    }
  }

  /**
   * Once the service runs: ask the runtime runtime.status every 10 s; three unanswered asks in a row
   * (package code blocking its only thread) call `onUnresponsive`.
   */
  watchLiveness(runtime: RpcPeer, onUnresponsive: () => void): void {
    this.stopLiveness();
    const stop = watchRuntimeLiveness({
      ask: (timeoutMs) => requestRuntime(runtime, 'runtime.status', {}, timeoutMs),
      saturated: () => this.inFlight >= DEFAULT_MAX_CONCURRENT_REQUESTS,
      onUnresponsive,
    });
    this.stopProbe = () => {
      stop();
      this.stopProbe = null;
    };
  }

  stopLiveness(): void {
    this.stopProbe?.();
  }
}
