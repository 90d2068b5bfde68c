import type { ExecOutcome } from './actions.js';
import type { ImageIdsOf, RunOptions, RunOutcome, SettingsOf, VolumeIdsOf } from './context.js';
import type { ManifestInput } from './manifest.js';

/**
 * Package functions called on a service's events. Each runs in the runtime, bounded by
 * `HOOK_TIMEOUT_MS`: one that throws or hangs is reported (in the service's log and status) and
 * never holds up the daemons. `beforeStop` is awaited (within its bound) before the daemons stop;
 * the others run beside the service.
 */

/** How long a hook may run before it is reported as hung and no longer waited for. */
export const HOOK_TIMEOUT_MS = 30_000;

export interface HookContext<M extends ManifestInput, Daemon extends string> {
  settings: SettingsOf<M>;
  /** Runs a command in a running daemon's filesystem, as its user. */
  exec: (daemon: Daemon, command: string[], options?: { env?: Record<string, string>; timeoutMs?: number }) => Promise<ExecOutcome>;
  /** Runs a one-off process in one of the package's images, in an overlay of its own. */
  run: (image: ImageIdsOf<M>, command: string[], options?: RunOptions<M>) => Promise<RunOutcome>;
  /** Writes a file into a volume (created with its directories, mode 0644 unless given). */
  writeFile: (volume: VolumeIdsOf<M>, path: string, content: string, options?: { mode?: number }) => Promise<void>;
  /** A message the user sees in `hearth status` until replaced; `null` clears it. */
  setMessage: (text: string | null) => void;
}

export interface DaemonCrash<Daemon extends string> {
  daemon: Daemon;
  exitCode: number | null;
  signal: string | null;
  /** The last lines it wrote. */
  lastLines: string[];
  /** Whether it will be started again (`false`: it failed for good). */
  restarting: boolean;
}

export interface Hooks<M extends ManifestInput, Daemon extends string> {
  /** A daemon passed its readiness check (each time it becomes ready). */
  daemonReady?: (ctx: HookContext<M, Daemon>, event: { daemon: Daemon }) => void | Promise<void>;
  /** A daemon or task exited when it was not asked to. */
  daemonCrashed?: (ctx: HookContext<M, Daemon>, event: DaemonCrash<Daemon>) => void | Promise<void>;
  /** A daemon failed for good (crash loop, a task failed): the service is failed. */
  serviceFailed?: (ctx: HookContext<M, Daemon>, event: { daemon: Daemon; reason: string }) => void | Promise<void>;
  /** The service is about to stop (its daemons still run). */
  beforeStop?: (ctx: HookContext<M, Daemon>) => void | Promise<void>;
  /** The first start after an update, once every daemon started. */
  afterUpdate?: (ctx: HookContext<M, Daemon>, event: { from: string; to: string }) => void | Promise<void>;
  /**
   * A hot backup (`backup: { mode: 'hot' }`) is about to read the volumes, the daemons running: make
   * them consistent on disk (a `pg_dump` into a staging volume). Awaited, within BACKUP_HOOK_TIMEOUT_MS;
   * if it throws, the backup fails and nothing is stored.
   */
  beforeBackup?: (ctx: HookContext<M, Daemon>) => void | Promise<void>;
  /** After a hot backup's volumes were read (or the backup failed): clean the staging up. */
  afterBackup?: (ctx: HookContext<M, Daemon>, event: { ok: boolean }) => void | Promise<void>;
  /**
   * A restore put the volumes back and the service started and became ready: load what
   * `beforeBackup` staged (the dump into the database). Awaited by the restore, which fails if it throws.
   */
  afterRestore?: (ctx: HookContext<M, Daemon>, event: { version: string; snapshot: string }) => void | Promise<void>;
}

export type HookName = keyof Hooks<ManifestInput, string>;
export const HOOK_NAMES: readonly HookName[] = ['daemonReady', 'daemonCrashed', 'serviceFailed', 'beforeStop', 'afterUpdate', 'beforeBackup', 'afterBackup', 'afterRestore'];
/** The hooks hearthd calls itself (`runtime.hook`), awaiting their report. */
export const BACKUP_HOOKS = ['beforeBackup', 'afterBackup', 'afterRestore'] as const satisfies readonly HookName[];
export type BackupHookName = (typeof BACKUP_HOOKS)[number];
/** A backup hook's bound: a database dump takes longer than the other hooks' HOOK_TIMEOUT_MS. */
export const BACKUP_HOOK_TIMEOUT_MS = 30 * 60_000;

/**
 * Typed hooks for a manifest and its daemon ids.
 * @example export const hooks = defineHooks<typeof manifest, 'db' | 'web'>({ daemonCrashed: (ctx, e) => ctx.setMessage(`${e.daemon} crashed`) });
 */
export function defineHooks<M extends ManifestInput, Daemon extends string = string>(hooks: Hooks<M, Daemon>): Hooks<M, Daemon> {
  return hooks;
}
