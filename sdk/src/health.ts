/**
 * Health checks: how the runtime tells that a daemon is ready (readiness) or still alive
 * (liveness). Strategies are plain data except `fn`, whose function stays in the package module.
 */

export interface CheckTiming {
  /** Time between attempts. @default 1000 */
  intervalMs: number;
  /** One attempt fails when it takes longer. @default 2000 */
  timeoutMs: number;
  /** Consecutive failed attempts before the daemon is not-ready (readiness) or restarted (liveness). @default 3 */
  failureThreshold: number;
  /** After a start, failures during this period are not counted. @default 0 */
  gracePeriodMs: number;
}

export type CheckStrategy =
  | { kind: 'tcp'; port: number }
  | { kind: 'http'; port: number; path: string; statuses: number[] | null }
  | { kind: 'command'; command: string[] }
  /** A function of the package's code; `ref` is the key the runtime finds it under. */
  | { kind: 'function'; ref: string };

export type HealthCheckSpec = CheckStrategy & CheckTiming;

/** What a function health check returns. */
export type CheckResult = { ok: true } | { ok: false; message: string };
/** What a function check is given: `signal` aborts when the attempt times out, or the daemon stops. */
export interface CheckFunctionContext {
  signal: AbortSignal;
}
/**
 * A check in the package's code. It should stop its work when `signal` aborts (pass it to `fetch`):
 * a call that goes on past its timeout is not called again until it has settled.
 */
export type CheckFunction = (context: CheckFunctionContext) => CheckResult | boolean | Promise<CheckResult | boolean>;

export const DEFAULT_CHECK_TIMING: CheckTiming = { intervalMs: 1000, timeoutMs: 2000, failureThreshold: 3, gracePeriodMs: 0 };

/** A check as the author writes it: a strategy, or a strategy with a function that the SDK keeps aside. */
export type HealthCheck = HealthCheckSpec | { kind: 'function-pending'; fn: CheckFunction; timing: CheckTiming };

function timing(options: Partial<CheckTiming>): CheckTiming {
  return { ...DEFAULT_CHECK_TIMING, ...options };
}

/** Health check strategies. Every one takes `intervalMs`, `timeoutMs`, `failureThreshold`, `gracePeriodMs`. */
export const healthChecks = {
  /**
   * Passes when `127.0.0.1:<port>` accepts a TCP connection.
   * @example healthChecks.tcpPort(5432)
   */
  tcpPort(port: number, options: Partial<CheckTiming> = {}): HealthCheckSpec {
    return { kind: 'tcp', port, ...timing(options) };
  },
  /**
   * Passes when `GET http://127.0.0.1:<port><path>` answers 2xx/3xx, or one of `statuses`.
   * @example healthChecks.http(8080, '/healthz', { statuses: [200] })
   */
  http(port: number, path = '/', options: Partial<CheckTiming> & { statuses?: number[] } = {}): HealthCheckSpec {
    const { statuses, ...rest } = options;
    return { kind: 'http', port, path, statuses: statuses ?? null, ...timing(rest) };
  },
  /**
   * Passes when the command, run in the daemon's own image as the daemon's user, exits 0.
   * @example healthChecks.command(['pg_isready', '-h', '/run/postgresql'])
   */
  command(command: readonly string[], options: Partial<CheckTiming> = {}): HealthCheckSpec {
    return { kind: 'command', command: [...command], ...timing(options) };
  },
  /**
   * Passes when the package's function returns true or `{ ok: true }`; it runs in the runtime, not in an image.
   * @example healthChecks.fn(async ({ signal }) => ((await fetch('http://127.0.0.1:8080/ping', { signal })).ok ? true : { ok: false, message: 'no pong' }))
   */
  fn(fn: CheckFunction, options: Partial<CheckTiming> = {}): HealthCheck {
    return { kind: 'function-pending', fn, timing: timing(options) };
  },
};
