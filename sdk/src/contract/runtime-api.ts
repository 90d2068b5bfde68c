import type { ActionInfo, ActionResult } from '../actions.js';
import type { RunOptions, RunOutcome } from '../context.js';
import type { BackupHookName } from '../hooks.js';

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
  /** Ids it waits for (its spec's `requires`; absent from older runtimes): the dashboard draws the graph from them. */
  requires?: string[];
  /** Exits so far in the crash window. */
  restarts?: number;
  /** The last lines it wrote, when it failed. */
  lastLines?: string[];
  /** Names of the secrets it is given (absent from runtimes older than secrets), for `hearth secret ls`. */
  secrets?: string[];
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

/** A hook's end, as the runtime reports it (a failed or hung one is shown in status and logged). */
export interface HookReport {
  hook: string;
  ok: boolean;
  /** Why it failed: its error's message, or that it ran past HOOK_TIMEOUT_MS. */
  error?: string;
  durationMs: number;
  /** ms since epoch. */
  time: number;
}

/** Notifications the runtime sends to the host. */
export interface RuntimeNotifications {
  'runtime.daemonState': DaemonStatus;
  'runtime.log': LogEntry;
  'runtime.execOutput': ExecOutput;
  /** A hook set (or cleared, with null) the message `hearth status` shows. At most MAX_STATUS_MESSAGE_CHARS. */
  'runtime.message': { text: string | null };
  'runtime.hookReport': HookReport;
}

export const MAX_STATUS_MESSAGE_CHARS = 1000;

/**
 * What hearthd gives the runtime at every start (and again on a change): secret values by name
 * (only declared ones that have a value), and the settings as stored (defaults filled).
 */
export interface ServiceConfig {
  settings: Record<string, string | number | boolean>;
  secrets: Record<string, string>;
}

/** What a reconfiguration did: only daemons whose spec, files or secrets changed were touched. */
export interface ReconfigureResult {
  restarted: string[];
  added: string[];
  removed: string[];
  daemons: DaemonStatus[];
}

/** Where a file lives for put/fetch: in a running daemon's filesystem, or in a volume. */
export type FileTarget = { daemon: string; path: string } | { volume: string; path: string };

/** How long `hearth exec` (and an action's command) may run when the caller sets no timeout. */
export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;

export interface ExecParams {
  /** Chosen by the host; names the output notifications and what `runtime.cancelExec` cancels. */
  execId: string;
  daemon: string;
  command: string[];
  env?: Record<string, string>;
  /** Killed after this long. @default DEFAULT_EXEC_TIMEOUT_MS (60000) */
  timeoutMs?: number;
  /**
   * Who runs it: `uid[:gid]`, or a user (and `:group`) of the daemon's image; `root` or `0` for root.
   * @default the daemon's own user (its `user`, else its image's)
   */
  user?: string;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
}

export interface ExecOutput {
  execId: string;
  stream: 'stdout' | 'stderr';
  /** A chunk of output, utf8. */
  data: string;
}

/** Files move through RPC as base64; larger ones are refused (chunked transfer is future work). */
export const MAX_TRANSFER_BYTES = 4 * 1024 * 1024;

/** What one daemon (and what it forked) uses now, from its own cgroup in the container. */
export interface DaemonUsage {
  id: string;
  memoryBytes: number;
  pids: number;
  cpuSeconds: number;
}

/**
 * Where the runtime is in its life, so a hearthd that adopts it can finish what its predecessor
 * began: loaded (package read, runtime.start never called), starting, started, stopping, stopped.
 */
export type RuntimePhase = 'loaded' | 'starting' | 'started' | 'stopping' | 'stopped';

export interface RuntimeMethods {
  'runtime.listActions': { params: Record<string, never>; result: { actions: ActionInfo[] } };
  'runtime.runAction': { params: { action: string; input: Record<string, unknown> }; result: ActionResult };
  /** Run a command in a running daemon's filesystem, as its user, streaming `runtime.execOutput`. */
  'runtime.exec': { params: ExecParams; result: ExecResult };
  /**
   * SIGKILL a running exec (and what it started) whose caller went away; its `runtime.exec` then
   * resolves with the signal. `cancelled` is false when no exec has that id (it had ended).
   */
  'runtime.cancelExec': { params: { execId: string }; result: { cancelled: boolean } };
  'runtime.putFile': { params: FileTarget & { contentBase64: string; mode?: number }; result: { size: number } };
  'runtime.fetchFile': { params: FileTarget; result: { contentBase64: string; size: number } };
  /**
   * Resolves once the package's code has loaded (`ok`) or failed to (its error is what
   * `runtime.start` returns). The runtime loads it after its hello, so a package that hangs at
   * load leaves this unanswered.
   */
  'runtime.loaded': { params: Record<string, never>; result: { ok: boolean } };
  /**
   * Mount and spawn all daemons in dependency order; resolves once all are spawned (not necessarily
   * ready). `config` is absent from a hearthd older than it; `updatedFrom` is set on the first start
   * after an update (the afterUpdate hook runs once all daemons started).
   */
  'runtime.start': { params: { config?: ServiceConfig; updatedFrom?: string }; result: { daemons: DaemonStatus[] } };
  /**
   * New settings or secret values for a started service: `main` runs again with them, and only the
   * daemons whose spec, rendered files or named secrets differ are restarted; daemons that are no
   * longer returned stop, new ones start. A stopped runtime just keeps the config for its next start.
   */
  'runtime.reconfigure': { params: { config: ServiceConfig }; result: ReconfigureResult };
  /** Run a one-off process in one of the package's images (as an action's `run` does), for the host. */
  'runtime.run': { params: { image: string; command: string[]; options?: RunOptions }; result: RunOutcome };
  /** Stop all daemons in reverse order, unmount their filesystems, clear scratch. */
  'runtime.stop': { params: Record<string, never>; result: { daemons: DaemonStatus[] } };
  /** `phase` is absent from runtimes older than it (containers an older hearthd started). */
  'runtime.status': { params: Record<string, never>; result: { daemons: DaemonStatus[]; phase?: RuntimePhase } };
  /** Usage of each started daemon that has a cgroup of its own (none on a cgroup v2 only host). */
  'runtime.stats': { params: Record<string, never>; result: { daemons: DaemonUsage[] } };
  /**
   * Call a backup hook of the package now and await it (bounded by BACKUP_HOOK_TIMEOUT_MS); `report`
   * is null when the package has no such hook.
   */
  'runtime.hook': { params: { hook: BackupHookName; event?: Record<string, unknown> }; result: { report: HookReport | null } };
}

/** The runtime's method handlers: typed by the contract, so a missing or renamed one fails to compile. */
export type RuntimeHandlers = {
  [M in keyof RuntimeMethods]: (params: RuntimeMethods[M]['params']) => RuntimeMethods[M]['result'] | Promise<RuntimeMethods[M]['result']>;
};

const METHOD_NAMES: Record<keyof RuntimeMethods, true> = {
  'runtime.listActions': true,
  'runtime.runAction': true,
  'runtime.exec': true,
  'runtime.cancelExec': true,
  'runtime.putFile': true,
  'runtime.fetchFile': true,
  'runtime.loaded': true,
  'runtime.start': true,
  'runtime.reconfigure': true,
  'runtime.run': true,
  'runtime.stop': true,
  'runtime.status': true,
  'runtime.stats': true,
  'runtime.hook': true,
};

/** Every method the runtime serves (a record above keeps the list complete at compile time). */
export const RUNTIME_METHODS = Object.keys(METHOD_NAMES) as (keyof RuntimeMethods)[];
