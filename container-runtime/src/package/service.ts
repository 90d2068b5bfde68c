import { join } from 'node:path';
import { BACKUP_HOOK_TIMEOUT_MS, type BackupHookName, DEFAULT_EXEC_TIMEOUT_MS, HearthError, MAX_RENDERED_FILE_BYTES, errorMessage, type ActionResult, type DaemonStatus, type HookReport, type PackageDaemons, type ReconfigureResult, type RunOptions, type RunOutcome, type ServiceConfig } from '@hearth/sdk/contract';
import type { Logger } from '@hearth/sdk/system';
import { DaemonManager, type ManagerEvents } from '../daemons/manager.js';
import type { DaemonDeps } from '../daemons/deps.js';
import { runOneOff } from '../daemons/one-off.js';
import { ROOT } from '../daemons/user.js';
import { writeNewFile } from '../files/place.js';
import { inside } from '../files/transfer.js';
import { HookEvents } from '../hooks/events.js';
import { HookRunner, type CollectedExec, type HookTools } from '../hooks/runner.js';
import type { NetworkIdentity } from '../mounts/host-files.js';
import type { RuntimePaths } from '../paths.js';
import { daemonsFor, type LoadedPackage } from './load.js';
import { settingsFor } from './settings.js';

export interface ServiceContext {
  paths: RuntimePaths;
  identity: NetworkIdentity;
  deps: DaemonDeps;
  events: Omit<ManagerEvents, 'onState'>;
  /** A hook's end and its status message, to hearthd. */
  onHookReport(report: HookReport): void;
  onMessage(text: string | null): void;
  /** The secret values of a new config, before package code (a render function) sees them. */
  onSecrets?(secrets: Readonly<Record<string, string>>): void;
  logger: Logger;
}

export interface StartParams {
  config?: ServiceConfig;
  updatedFrom?: string;
}

const sameSettings = (a: ServiceConfig['settings'], b: ServiceConfig['settings']): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/**
 * The loaded package at work: its daemons (re-made by `main` when the settings change), its
 * hooks, fed by the daemons' state changes, and the tools actions and hooks are lent.
 */
export class Service {
  readonly manager: DaemonManager;
  private config: ServiceConfig;
  private daemons: PackageDaemons;
  private readonly hooks: HookRunner;
  private readonly events = new HookEvents();
  private afterUpdateDone = false;
  /** An update's versions, until every daemon of the first start after it has started. */
  private afterUpdate: { from: string; to: string } | null = null;

  constructor(
    private readonly pkg: LoadedPackage,
    private readonly context: ServiceContext,
    hookTimeoutMs?: number,
  ) {
    this.config = { settings: pkg.settings, secrets: {} };
    this.daemons = pkg.daemons;
    this.hooks = new HookRunner(pkg.hooks, this.tools(), context.logger.child({ component: 'hooks' }), hookTimeoutMs);
    const events: ManagerEvents = {
      ...context.events,
      onState: (state, lastLines) => {
        for (const call of this.events.next(state, lastLines)) void this.hooks.fire(call.hook, call.event);
        this.maybeAfterUpdate();
      },
    };
    this.manager = new DaemonManager(pkg.daemons, pkg.images, { paths: context.paths, identity: context.identity, deps: context.deps }, events, context.logger, this.config);
  }

  get actions(): LoadedPackage['actions'] {
    return this.pkg.actions;
  }

  /** A daemon's command, output collected instead of streamed (as actions and hooks run it). */
  readonly exec: CollectedExec = async (daemon, command, options = {}) => {
    let stdout = '';
    let stderr = '';
    const request = { command, env: options.env ?? {}, timeoutMs: options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS };
    const result = await this.manager.daemon(daemon).exec(request, (stream, data) => (stream === 'stdout' ? (stdout += data) : (stderr += data)), new AbortController().signal);
    return { exitCode: result.exitCode, stdout, stderr };
  };

  run(image: string, command: string[], options: RunOptions = {}, signal?: AbortSignal): Promise<RunOutcome> {
    const { paths, identity, logger } = this.context;
    const ctx = { paths, identity, images: this.pkg.images, volumes: this.pkg.manifest.volumes, secrets: () => this.config.secrets, logger };
    return runOneOff(ctx, image, command, options, signal);
  }

  /** A file into a volume (resolved inside it, never through a link), for hooks. */
  async writeFile(volume: string, path: string, content: string, options: { mode?: number } = {}): Promise<void> {
    if (!this.pkg.manifest.volumes.includes(volume)) throw new HearthError('INVALID_PARAMS', `there is no volume ${JSON.stringify(volume)}`, { hint: `volumes: ${this.pkg.manifest.volumes.join(', ') || 'none'}` });
    const mode = options.mode ?? 0o644;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) throw new HearthError('INVALID_PARAMS', `mode ${String(mode)} is not permission bits like 0o644`);
    if (typeof content !== 'string' || Buffer.byteLength(content) > MAX_RENDERED_FILE_BYTES) throw new HearthError('INVALID_PARAMS', `the content must be a string of at most ${MAX_RENDERED_FILE_BYTES} bytes`);
    await writeNewFile(await inside(join(this.context.paths.volumesDir, volume), path), content, mode, ROOT);
  }

  private tools(): HookTools {
    return {
      settings: () => this.config.settings,
      exec: this.exec,
      run: (image, command, options) => this.run(image, command, options),
      writeFile: (volume, path, content, options) => this.writeFile(volume, path, content, options),
      setMessage: (text) => this.context.onMessage(text),
      report: (report) => this.context.onHookReport(report),
    };
  }

  /** `main` again when the settings differ from those it ran with; the same daemons otherwise. */
  private async daemonsFor(config: ServiceConfig): Promise<PackageDaemons> {
    const { settings } = this.configFrom(config);
    if (!sameSettings(settings, this.config.settings)) this.daemons = await daemonsFor(this.pkg.module, this.pkg.manifest, settings);
    return this.daemons;
  }

  /** Defaults filled, unknown or mistyped settings dropped, only string secret values kept. */
  private configFrom(config: ServiceConfig): ServiceConfig {
    const secrets = Object.entries((config.secrets as unknown) ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    return { settings: settingsFor(this.pkg.manifest.settings, config.settings), secrets: Object.fromEntries(secrets) };
  }

  async start(params: StartParams): Promise<DaemonStatus[]> {
    if (params.config !== undefined) {
      const daemons = await this.daemonsFor(params.config);
      const config = this.configFrom(params.config);
      this.context.onSecrets?.(config.secrets);
      await this.manager.reconfigure(daemons, config);
      this.config = config;
    }
    if (params.updatedFrom !== undefined && !this.afterUpdateDone) {
      this.afterUpdateDone = true;
      this.afterUpdate = { from: params.updatedFrom, to: this.pkg.manifest.version };
    }
    const statuses = await this.manager.start();
    this.maybeAfterUpdate();
    return statuses;
  }

  /** afterUpdate fires once every daemon has started: ready (or not), a task finished, or failed. */
  private maybeAfterUpdate(): void {
    const versions = this.afterUpdate;
    if (versions === null || this.manager.phase !== 'started') return;
    if (!this.manager.statuses().every((s) => ['ready', 'not-ready', 'exited', 'failed'].includes(s.state))) return;
    this.afterUpdate = null;
    void this.hooks.fire('afterUpdate', versions);
  }

  async reconfigure(config: ServiceConfig): Promise<ReconfigureResult> {
    const daemons = await this.daemonsFor(config);
    const next = this.configFrom(config);
    this.context.onSecrets?.(next.secrets);
    const result = await this.manager.reconfigure(daemons, next);
    this.config = next;
    return result;
  }

  /** `beforeStop` first (bounded), while the daemons still run; then the daemons, in reverse order. */
  async stop(): Promise<DaemonStatus[]> {
    if (this.manager.phase === 'started' || this.manager.phase === 'starting') await this.hooks.fire('beforeStop');
    return await this.manager.stop();
  }

  /** A backup hook, called by hearthd and awaited (its longer bound); null when the package has none. */
  async backupHook(name: BackupHookName, event?: Record<string, unknown>): Promise<HookReport | null> {
    return await this.hooks.fire(name, event, BACKUP_HOOK_TIMEOUT_MS);
  }

  async runAction(action: string, input: Record<string, unknown>): Promise<ActionResult> {
    const actions = this.pkg.actions;
    if (actions === null) throw new HearthError('INVALID_PARAMS', 'this package has no actions');
    const tools = { settings: { ...this.config.settings }, run: (image: string, command: string[], options?: RunOptions) => this.run(image, command, options) };
    try {
      return await actions.run(action, input, this.exec, tools);
    } catch (error) {
      if (error instanceof HearthError) throw error; // of any copy of the SDK: it keeps its code
      throw new HearthError('ACTION_FAILED', `action ${action} failed: ${errorMessage(error)}`, { hint: 'see the service logs' });
    }
  }
}
