/**
 * JSON-RPC between hearthd and the container-runtime, over `host.sock` in the container's RPC dir.
 * The runtime connects; then both sides are servers and clients on the one connection.
 */

/**
 * - waiting: for requirements (ids in the message), not started or stopped meanwhile
 * - starting: spawned, readiness not yet passed
 * - ready / not-ready: readiness passes / has failed `failureThreshold` times since
 * - restarting: exited, starts again after a backoff delay (in the message)
 * - exited: a task that finished with code 0
 * - failed: gave up (crash loop, task failed, could not start), with the reason
 */
export type DaemonState = 'waiting' | 'starting' | 'ready' | 'not-ready' | 'restarting' | 'stopping' | 'stopped' | 'exited' | 'failed';

export interface DaemonStatus {
  id: string;
  state: DaemonState;
  /** Why it is in this state, in words: `waiting for db`, `exited with code 1`. */
  message?: string;
  /** Host-independent pid inside the container, while running. */
  pid?: number;
  exitCode?: number;
  signal?: string;
  /** ms since epoch of the last state change. */
  since: number;
  kind?: 'daemon' | 'task';
  /** Exits so far in the crash window. */
  restarts?: number;
  /** The last lines it wrote, when it failed. */
  lastLines?: string[];
}

/** Methods the host serves to the runtime. */
export interface HostMethodsForRuntime {
  /** First call after connecting. */
  'runtime.hello': { params: { runtimeVersion: string; pid: number }; result: { serviceId: string } };
}

/** One line a daemon wrote. */
export interface LogEntry {
  daemon: string;
  stream: 'stdout' | 'stderr';
  line: string;
  /** ms since epoch. */
  time: number;
}

/** Notifications the runtime sends to the host. */
export interface RuntimeNotifications {
  'runtime.daemonState': DaemonStatus;
  'runtime.log': LogEntry;
}

/** Methods the runtime serves to the host. */
export interface RuntimeMethods {
  /** Mount and spawn all daemons in dependency order; resolves once all are spawned (not necessarily ready). */
  'runtime.start': { params: Record<string, never>; result: { daemons: DaemonStatus[] } };
  /** Stop all daemons in reverse order, unmount their filesystems, clear scratch. */
  'runtime.stop': { params: Record<string, never>; result: { daemons: DaemonStatus[] } };
  'runtime.status': { params: Record<string, never>; result: { daemons: DaemonStatus[] } };
}

export const RUNTIME_METHODS = ['runtime.start', 'runtime.stop', 'runtime.status'] as const;
