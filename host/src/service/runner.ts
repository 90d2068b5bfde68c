import { rm, writeFile } from 'node:fs/promises';
import type { RpcPeer } from '@hearth/sdk/rpc';
import { join } from 'node:path';
import {
  BACKUP_HOOK_TIMEOUT_MS,
  HOST_SOCKET_NAME,
  HearthError,
  type BackupHookName,
  type DaemonStatus,
  type HookReport,
  type DaemonUsage,
  type ExecOutput,
  type ExecParams,
  type ExecResult,
  type FileTarget,
  type LogEntry,
  type Manifest,
  type RuntimeMethods,
  type ServiceConfig,
  type ServiceStatus,
} from '@hearth/sdk/contract';
import type { Logger } from '../log.js';
import { processExists } from '@hearth/sdk/system';
import { CONTAINER_ROOT_ID, containerName, type Layout, type ServicePaths } from '../layout.js';
import { renderContainerConfig } from '../system/lxc-config.js';
import { lxcInitPid, lxcKill, type LxcTarget } from '../system/lxc.js';
import { pushContainerStop, startContainer, watchExit } from './container-steps.js';
import { mountPoints, mountsUnder, unmount } from '../system/mounts.js';
import { UNMOUNTS, containerSpec, mountImages, prepareDirs, prepareScratch } from './container-setup.js';
import { runExec, type ExecListeners } from './exec.js';
import { RuntimeLink } from './runtime-link.js';
import type { TlsSetup } from './manager-core.js';
import type { ServiceNetwork } from './service-network.js';
import { RuntimeCalls } from './runtime-calls.js';
import { CleanupStack, together } from './cleanup.js';
import { interfaceWarnings, offerInterfaces } from './service-interfaces.js';
import { interfaceStatuses, serviceState } from './status.js';
import { RotatingLog } from '../logs/rotating-log.js';
import { crashPoint } from '../crash-points.js';
import { awaitPackageLoad, containerExited, explainingExit, type StartingContainer } from './package-load.js';
import { adoptAction, runtimePhase } from './adopt-phase.js';
import { isMarker, startMarker } from '../logs/start-marker.js';
import { HEARTH_VERSION } from '../version.js';
import { ServiceFeedback } from './service-feedback.js';
import { writeSettingsFile } from './settings-file.js';
import { StartTimings } from './start-timings.js';
import { DaemonTable } from './daemon-table.js';
import { unresponsiveMessage } from './runtime-liveness.js';

export const DAEMON_LOG_FILE = 'daemons.log';
export const RUNTIME_START_TIMEOUT_MS = 120_000;
export const ACTION_TIMEOUT_MS = 10 * 60_000;
export const RUNTIME_STOP_TIMEOUT_MS = 90_000;
/** How much longer than the runtime's own bound on a backup hook hearthd waits for its report. */
const HOOK_REPORT_MARGIN_MS = 60_000;
/** How often the container is checked for having died while we wait on it. */
export const CONTAINER_POLL_MS = 250;

export interface InstalledImage {
  id: string;
  /** Byte range of the image's squashfs inside the installed archive. */
  offset: number;
  size: number;
}

export interface RunnerContext {
  layout: Layout;
  paths: ServicePaths;
  manifest: Manifest;
  images: InstalledImage[];
  ports: Record<string, number>;
  bindAddress: string;
  /** hearth's bridge (its host ports are forwarded by the firewall), or null: loopback and relays. */
  network: ServiceNetwork | null;
  /** hearth's CA: http interfaces are also offered over TLS. */
  tls: TlsSetup | null;
  baseRootfs: string;
  logger: Logger;
  /** Called on every daemon state change, for waiters and event subscribers. */
  onChange: () => void;
  /** Called for every line a daemon writes, after it is persisted. */
  onLog: (entry: LogEntry) => void;
  /** The runtime went away (it crashed, the container died) or stopped answering while the service should be running; `reason` in words. */
  onRuntimeLost: (reason: string) => void;
  /** Settings and secret values for runtime.start (service-config.ts). */
  config: ServiceConfig;
  /** The version this start follows an update from (the afterUpdate hook), if it is the first since. */
  updatedFrom?: string;
}

/**
 * One start of one service: the container, its mounts, its runtime link, its relays. Built up
 * step by step with a cleanup stack, so a failure at any step undoes exactly what was done.
 */
export class ServiceRunner {
  private readonly daemons: DaemonTable;
  private readonly execs: ExecListeners = new Map();
  private readonly cleanup = new CleanupStack();
  private link: RuntimeLink | null = null;
  private log: RotatingLog | null = null;
  private initPid: number | null = null;
  private message: string | undefined;
  /** What the package reports, secrets redacted (service-feedback.ts). */
  private readonly feedback: ServiceFeedback;
  private stopping = false;
  private stopped = false;
  /** Set once the start's own steps are done (not on adoption): the `ready` step may end after. */
  private started = false;
  private timings: StartTimings | null = null;
  /** Set when the runtime stopped answering: its stop skips asking it (runtime.stop could never be answered). */
  private unresponsive = false;
  /**
   * Set once runtime.stop has stopped every daemon: the container is then killed (SIGKILL), since
   * nothing in it is left to stop gracefully and the runtime's own exit would only add to the stop.
   */
  private daemonsStopped = false;
  private readonly calls: RuntimeCalls;

  constructor(private readonly ctx: RunnerContext) {
    this.feedback = new ServiceFeedback(ctx.config);
    this.daemons = new DaemonTable(ctx.manifest.id);
    this.calls = new RuntimeCalls((error) => this.feedback.error(error));
  }

  /** Host pid of the container's init, while it runs. */
  get containerPid(): number | null {
    return this.stopped ? null : this.initPid;
  }

  get target(): LxcTarget {
    return { lxcPath: this.ctx.layout.lxcDir, name: containerName(this.ctx.manifest.id) };
  }

  /** Start the service from nothing: mounts, container, runtime, daemons, relays. */
  async start(): Promise<void> {
    await this.undoOnFailure(() => this.startSteps());
  }

  /**
   * Take over a container that is still running from an earlier hearthd (which crashed or was
   * killed): its mounts and run dir are reused, the runtime reconnects to the new socket.
   */
  async adopt(initPid: number): Promise<void> {
    await this.undoOnFailure(() => this.adoptSteps(initPid));
  }

  private async undoOnFailure(steps: () => Promise<void>): Promise<void> {
    try {
      await steps();
    } catch (error) {
      this.ctx.logger.error('start failed, undoing', { error: String(error) });
      this.stopping = true;
      await this.cleanup.run((e) => this.ctx.logger.warn('cleanup step failed', { error: String(e) }));
      this.stopped = true;
      throw error;
    }
  }

  private async startSteps(): Promise<void> {
    const { paths } = this.ctx;
    const target = this.target;
    if ((await lxcInitPid(target)) !== null) {
      throw new HearthError('SERVICE_RUNNING', `container ${target.name} is already running`, {
        hint: `stop it with lxc-stop -P ${target.lxcPath} -n ${target.name}, or restart hearthd to adopt it`,
      });
    }
    const timings = new StartTimings();
    this.timings = timings;
    const step = (name: string): void => timings.mark(name);
    await rm(paths.runDir, { recursive: true, force: true });
    await prepareDirs(this.ctx, this.cleanup);
    this.openLog();
    this.appendLog(startMarker(this.ctx.manifest.id, this.ctx.manifest.version, HEARTH_VERSION, Date.now()));
    step('dirs');
    // Independent once the dirs exist: the images' loop mounts, the scratch filesystem, and the
    // runtime's socket with the files the container reads (network, settings, LXC config).
    const [, , link] = await together([mountImages(this.ctx, this.cleanup, true), prepareScratch(this.ctx, this.cleanup), this.prepareContainer()] as const);
    step('prepare');
    await startContainer(this.cleanup, target, paths.configFile, () => !this.daemonsStopped);
    step('container');
    // While the runtime boots and loads the package: its pid looked up (never rejects), its veth
    // joined to the bridge (daemons need it, the package's load does not), its interfaces offered.
    const initPid = lxcInitPid(target).catch(() => null);
    const [runtime] = await together([
      (async () => {
        const peer = await this.awaitRuntime(link, initPid);
        this.initPid = await initPid;
        step('runtime');
        // Package code runs at load: a hang or a runaway allocation there fails the start, saying so.
        await awaitPackageLoad(peer, this.starting());
        step('package');
        return peer;
      })(),
      this.ctx.network?.attach(this.ctx.manifest.id) ?? Promise.resolve(),
      offerInterfaces(this.ctx, this.cleanup),
    ] as const);
    crashPoint('start:runtime-connected'); // a container whose runtime never got runtime.start: adoption sends it
    const starting = this.request(runtime, 'runtime.start', this.startParams(), RUNTIME_START_TIMEOUT_MS);
    const result = await explainingExit(starting, this.starting(), 'while starting its daemons');
    this.fillDaemons(result.daemons);
    step('daemons');
    this.started = true;
    this.markReadyIfSo();
    this.ctx.logger.info('started', { initPid: this.initPid, stepsMs: timings.snapshot() });
    this.watchLiveness(runtime);
  }

  /** The runtime's socket, then what the container reads at start: hearth's network file, settings, LXC config. */
  private async prepareContainer(): Promise<RuntimeLink> {
    const { paths } = this.ctx;
    const link = await this.listenForRuntime();
    await this.ctx.network?.writeContainerFile(this.ctx.manifest.id, paths.hostDir);
    await writeSettingsFile(paths.hostDir, this.ctx.config.settings);
    const network = this.ctx.network?.lxcConfigLines(this.ctx.manifest.id) ?? null;
    await writeFile(paths.configFile, renderContainerConfig({ ...containerSpec(this.ctx, this.target.name), network }));
    return link;
  }

  private async adoptSteps(initPid: number): Promise<void> {
    await prepareDirs(this.ctx, this.cleanup);
    this.openLog();
    await mountImages(this.ctx, this.cleanup, false);
    this.cleanup.push(() => unmount(this.ctx.paths.scratchDir), UNMOUNTS);
    if (!(await mountPoints()).includes(this.ctx.paths.scratchDir)) {
      throw new HearthError('CONTAINER_FAILED', `the scratch filesystem is no longer mounted at ${this.ctx.paths.scratchDir}`, { hint: 'the service is restarted instead' });
    }
    const link = await this.listenForRuntime();
    pushContainerStop(this.cleanup, this.target, () => !this.daemonsStopped);
    this.initPid = initPid;
    const runtime = await this.awaitRuntime(link, Promise.resolve(initPid));
    const result = await this.request(runtime, 'runtime.status', {});
    const phase = runtimePhase(result.phase, result.daemons);
    const action = adoptAction(phase);
    if (action === 'restart') {
      throw new HearthError('CONTAINER_FAILED', `the runtime was ${phase} by the hearthd before`, { hint: 'the container is stopped and the service started afresh' });
    }
    // The hearthd before died before (or while) asking for the start: ask again, it is idempotent.
    if (action === 'start') await writeSettingsFile(this.ctx.paths.hostDir, this.ctx.config.settings);
    const daemons = action === 'start' ? (await this.request(runtime, 'runtime.start', this.startParams(), RUNTIME_START_TIMEOUT_MS)).daemons : result.daemons;
    this.fillDaemons(daemons);
    await offerInterfaces(this.ctx, this.cleanup);
    this.ctx.logger.info('adopted a running container', { initPid, phase, daemons: daemons.map((d) => `${d.id}:${d.state}`) });
    this.watchLiveness(runtime);
  }

  private openLog(): void {
    const log = new RotatingLog(join(this.ctx.paths.logsDir, DAEMON_LOG_FILE));
    this.log = log;
    this.cleanup.push(() => {
      this.log = null; // lines still in flight after this are dropped, not written to a closed file
      log.close();
      return Promise.resolve();
    });
  }

  /** Persist a line, then pass it to followers. */
  private appendLog(entry: LogEntry): void {
    this.log?.append(JSON.stringify(entry));
    this.ctx.onLog(entry);
  }

  private startParams(): RuntimeMethods['runtime.start']['params'] {
    return { config: this.ctx.config, ...(this.ctx.updatedFrom !== undefined && { updatedFrom: this.ctx.updatedFrom }) };
  }

  private async request<M extends keyof RuntimeMethods>(runtime: RpcPeer, method: M, params: RuntimeMethods[M]['params'], timeoutMs?: number): Promise<RuntimeMethods[M]['result']> {
    return await this.calls.request(runtime, method, params, timeoutMs);
  }

  /** Three unanswered liveness asks fail the service, saying so, and recover it as a lost runtime. */
  private watchLiveness(runtime: RpcPeer): void {
    this.calls.watchLiveness(runtime, () => {
      if (this.stopping) return;
      this.unresponsive = true;
      this.message = unresponsiveMessage();
      this.ctx.logger.error('the container runtime is unresponsive', { reason: this.message });
      this.ctx.onChange();
      this.ctx.onRuntimeLost(this.message);
    });
  }

  private async listenForRuntime(): Promise<RuntimeLink> {
    const link = await RuntimeLink.listen(join(this.ctx.paths.hostDir, HOST_SOCKET_NAME), this.ctx.manifest.id, CONTAINER_ROOT_ID, {
      onDaemonState: (status) => this.setDaemon(status),
      onLog: (entry) => {
        if (!isMarker(entry)) this.appendLog(this.feedback.log(entry)); // only hearthd writes markers
      },
      onMessage: ({ text }) => {
        this.feedback.setMessage(text);
        this.ctx.onChange();
      },
      onHookReport: (report) => {
        const line = this.feedback.hookReport(report);
        if (line !== null) this.appendLog(line);
        this.ctx.onChange();
      },
      onExecOutput: (output) => this.execs.get(output.execId)?.(output),
      onDisconnect: () => {
        this.calls.stopLiveness();
        if (this.stopping) return;
        this.message = 'the container runtime disconnected';
        this.ctx.logger.warn(this.message);
        this.ctx.onChange();
        this.ctx.onRuntimeLost(this.message);
      },
    }, this.ctx.logger);
    this.link = link;
    this.cleanup.push(() => link.close());
    return link;
  }

  /** The container being started, for errors that show why it exited (package-load.ts). */
  private starting(): StartingContainer {
    const target = this.target;
    return { name: target.name, runtimeLog: join(this.ctx.paths.logsDir, 'runtime.log'), running: async () => (await lxcInitPid(target)) !== null };
  }

  /**
   * The runtime's hello, unless the container dies first or it takes too long. Its init is watched
   * by pid, not by asking LXC: lxc-info is a process, and thirty services booting at once would run
   * one every CONTAINER_POLL_MS each while they wait.
   */
  private async awaitRuntime(link: RuntimeLink, initPid: Promise<number | null>): Promise<RpcPeer> {
    const died = new AbortController();
    const stopWatching = watchExit(
      async () => {
        const pid = await initPid;
        return pid !== null && processExists(pid);
      },
      async () => died.abort(await containerExited(this.starting(), 'during start')),
      (error) => this.ctx.logger.warn('could not check whether the container still runs', { error: String(error) }),
      CONTAINER_POLL_MS,
    );
    try {
      return await link.waitConnected(died.signal);
    } finally {
      stopWatching();
    }
  }

  /**
   * A result's snapshot of daemon states may be older than notifications that arrived before it
   * (a daemon can turn ready while the response is on its way): notifications win.
   */
  private fillDaemons(snapshot: DaemonStatus[]): void {
    this.daemons.order = snapshot.map((d) => d.id);
    for (const status of snapshot) if (!this.daemons.has(status.id)) this.setDaemon(status);
  }

  private setDaemon(status: DaemonStatus): void {
    this.daemons.set(this.feedback.daemon(status));
    this.markReadyIfSo();
    this.ctx.onChange();
  }

  /** The start's last step, `ready`, ends when every daemon first is (after the start's own steps). */
  private markReadyIfSo(): void {
    if (!this.started || this.timings === null || this.timings.ready) return;
    if (this.daemons.allReady()) {
      this.timings.markReady();
      this.ctx.logger.info('ready', { stepsMs: this.timings.snapshot() });
    }
  }

  private runtime(): RpcPeer {
    const runtime = this.link?.runtime;
    if (!runtime || this.stopping) {
      throw new HearthError('SERVICE_NOT_RUNNING', `${this.ctx.manifest.id} is not running`, { hint: `start it with \`hearth start ${this.ctx.manifest.id}\`` });
    }
    return runtime;
  }

  /** The daemon a command or file goes to when the caller names none (daemon-table.ts). */
  defaultDaemon(): string {
    return this.daemons.defaultDaemon();
  }

  /** Run a command; `signal` aborting (the caller hung up) asks the runtime to kill it. */
  async exec(params: Omit<ExecParams, 'execId'>, onOutput: (output: ExecOutput) => void, signal?: AbortSignal): Promise<ExecResult> {
    return await this.calls.counted(runExec(this.runtime(), this.execs, params, onOutput, this.ctx.logger, signal));
  }

  /** Why each offered interface does not answer, by interface id (service-interfaces.ts). */
  async interfaceWarnings(): Promise<Map<string, string>> {
    return await interfaceWarnings(this.ctx);
  }

  /** Per-daemon usage from the runtime; none when it cannot say (the service's total still stands). */
  async daemonUsage(): Promise<DaemonUsage[]> {
    try {
      return (await this.request(this.runtime(), 'runtime.stats', {})).daemons;
    } catch (error) {
      this.ctx.logger.warn('the runtime gave no per-daemon usage', { error: String(error) });
      return [];
    }
  }

  async listActions(): Promise<RuntimeMethods['runtime.listActions']['result']> {
    return await this.request(this.runtime(), 'runtime.listActions', {});
  }

  /**
   * Call a backup hook of the package and await it (the runtime bounds it by BACKUP_HOOK_TIMEOUT_MS;
   * this waits a minute longer for its report). Null: the package has no such hook.
   */
  async backupHook(hook: BackupHookName, event?: Record<string, unknown>): Promise<HookReport | null> {
    const { report } = await this.request(this.runtime(), 'runtime.hook', { hook, ...(event !== undefined && { event }) }, BACKUP_HOOK_TIMEOUT_MS + HOOK_REPORT_MARGIN_MS);
    return report === null ? null : { ...report, ...(report.error !== undefined && { error: this.feedback.text(report.error) }) };
  }

  /** Its message and data with secret values redacted (an action may echo one by mistake). */
  async runAction(params: RuntimeMethods['runtime.runAction']['params']): Promise<RuntimeMethods['runtime.runAction']['result']> {
    return this.feedback.actionResult(await this.request(this.runtime(), 'runtime.runAction', params, ACTION_TIMEOUT_MS));
  }

  async putFile(params: RuntimeMethods['runtime.putFile']['params']): Promise<{ size: number }> {
    return await this.request(this.runtime(), 'runtime.putFile', params);
  }

  /** Not redacted: the user asked for this file's bytes, as `hearth exec cat` would give them. */
  async fetchFile(params: FileTarget): Promise<{ contentBase64: string; size: number }> {
    return await this.request(this.runtime(), 'runtime.fetchFile', params);
  }

  /**
   * New settings or secret values: settings.json is rewritten and the runtime restarts only the
   * daemons they change. A runtime that cannot (older than reconfiguration) fails this; the caller
   * has saved the change, so it applies at the next start.
   */
  async reconfigure(config: ServiceConfig): Promise<RuntimeMethods['runtime.reconfigure']['result']> {
    this.feedback.learn(config);
    await writeSettingsFile(this.ctx.paths.hostDir, config.settings);
    const result = await this.request(this.runtime(), 'runtime.reconfigure', { config }, RUNTIME_START_TIMEOUT_MS);
    this.ctx.config = config;
    this.daemons.order = result.daemons.map((d) => d.id);
    for (const id of result.removed) this.daemons.delete(id);
    for (const status of result.daemons) this.setDaemon(status);
    return result;
  }

  /** Which running daemons were given each secret (daemon-table.ts). */
  secretUsers(): Map<string, string[]> {
    return this.daemons.secretUsers();
  }

  get knowsSecretUsers(): boolean {
    return this.daemons.knowsSecretUsers;
  }

  /** Whether `restartDaemons` can be asked: up (started or adopted: the manager holds only those), not stopping, answering. */
  get canRestartInPlace(): boolean {
    return !this.stopping && !this.stopped && !this.unresponsive && Boolean(this.link?.runtime);
  }

  /**
   * Restart the daemons inside the running container, as Kubernetes restarts a pod's containers
   * in the pod's sandbox: stopped through the runtime in reverse order (their writable layers go with
   * them, and what they left in /run and /dev/shm), then started with `config` as a start would.
   * The container, its runtime, the loaded package, its address and its relays stay, so a restart
   * costs the daemons' own stop and start. Steps in `stepsMs`: `stop`, `daemons`, `ready`.
   */
  async restartDaemons(config: ServiceConfig): Promise<void> {
    const runtime = this.runtime();
    const timings = new StartTimings();
    this.timings = timings;
    this.started = false;
    this.message = undefined;
    const stopped = await this.request(runtime, 'runtime.stop', {}, RUNTIME_STOP_TIMEOUT_MS);
    for (const status of stopped.daemons) this.setDaemon(status);
    timings.mark('stop');
    crashPoint('restart:daemons-stopped'); // a runtime left stopped: adoption restarts the container
    this.feedback.learn(config);
    this.ctx.config = config;
    await writeSettingsFile(this.ctx.paths.hostDir, config.settings);
    const starting = this.request(runtime, 'runtime.start', this.startParams(), RUNTIME_START_TIMEOUT_MS);
    const result = await explainingExit(starting, this.starting(), 'while starting its daemons');
    // The new settings may turn a daemon off (a package's conditional daemons): it is no longer listed.
    const listed = new Set(result.daemons.map((d) => d.id));
    for (const daemon of this.daemons.all()) if (!listed.has(daemon.id)) this.daemons.delete(daemon.id);
    this.fillDaemons(result.daemons);
    timings.mark('daemons');
    this.started = true;
    this.markReadyIfSo();
    this.ctx.logger.info('daemons restarted in place', { stepsMs: timings.snapshot() });
  }

  /**
   * Stop daemons through the runtime (ordered, graceful), then the container, then undo every start
   * step. An unresponsive runtime is not asked (its answer could never come): the container is
   * killed at once, its daemons with it, since what would stop them gracefully is stuck.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopping = true;
    this.calls.stopLiveness();
    const timings = new StartTimings();
    const runtime = this.link?.runtime;
    if (this.unresponsive) {
      this.ctx.logger.warn('the container runtime is unresponsive: not asking it to stop the daemons; killing the container, its daemons with it');
      await lxcKill(this.target).catch((error: unknown) => this.ctx.logger.warn('could not kill the container; stopping it', { error: String(error) }));
    } else if (runtime) {
      try {
        const result = await this.request(runtime, 'runtime.stop', {}, RUNTIME_STOP_TIMEOUT_MS);
        this.fillDaemons(result.daemons);
        this.daemonsStopped = true;
        crashPoint('stop:daemons-stopped');
      } catch (error) {
        this.ctx.logger.warn('runtime.stop failed; stopping the container anyway', { error: String(error) });
      }
    }
    timings.mark('daemons');
    await this.cleanup.run((e) => this.ctx.logger.warn('cleanup step failed', { error: String(e) }));
    timings.mark('teardown');
    const left = await mountsUnder(this.ctx.paths.runDir);
    if (left.length > 0) this.ctx.logger.warn('mounts left after stop', { mounts: left });
    // daemons: runtime.stop (the package's beforeStop, the daemons in reverse order); teardown: container, relays, mounts.
    this.ctx.logger.info('stopped', { stepsMs: timings.snapshot() });
    this.stopped = true;
    this.ctx.onChange();
  }

  status(version: string): ServiceStatus {
    const { state, ready, daemons, message } = serviceState({
      daemons: this.daemons.all(),
      order: this.daemons.order,
      stopping: this.stopping,
      stopped: this.stopped,
      message: this.message,
    });
    // A failure's reason comes first; otherwise the message the package's hooks set.
    const { message: packageMessage, hooks } = this.feedback.status();
    const shown = message ?? packageMessage;
    return {
      id: this.ctx.manifest.id,
      version,
      state,
      ready,
      ...(shown !== undefined && { message: shown }),
      ...(hooks !== undefined && { hooks }),
      container: this.initPid === null || this.stopped ? null : { name: this.target.name, initPid: this.initPid },
      daemons,
      interfaces: interfaceStatuses(this.ctx.manifest, this.ctx.ports, this.ctx.bindAddress),
      ...(this.timings !== null && { stepsMs: this.timings.snapshot() }),
    };
  }
}
