import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError, dict, errorMessage, ownValue, type ActionInfo, type ActionResult, type ExecOutput, type ExecParams, type ExecResult, type FileTarget, type HostEvent, type LogEntry, type Manifest, type PackageInfo, type PackageSummary, type ServiceStatus, type ServiceSummary, type ServiceUsage } from '@hearth/sdk/contract';
import { readLogs, matches, type LogQuery } from '../logs/read-logs.js';
import type { Logger } from '../log.js';
import { servicePaths, type Layout } from '../layout.js';
import { previousOf, type PreviousVersion, type StateStore } from '../store/state.js';
import { commitStaged, readInstalledImages, readInstalledManifest, removeInstalledVersion, removePackageFiles, stagePackage } from '../store/install.js';
import { checkInstallable, type InstallOptions } from './trust.js';
import { KeyedLock } from './keyed-lock.js';
import { RecoverySchedule } from './recovery.js';
import { crashPoint } from '../crash-points.js';
import { allocatePort } from './ports.js';
import { DAEMON_LOG_FILE, ServiceRunner } from './runner.js';
import { interfaceStatuses } from './status.js';
import { DEFAULT_READY_TIMEOUT_MS, waitReady } from './wait-ready.js';
import { cgroupUsage } from '../system/cgroup-usage.js';
import { diskUsage } from '../system/disk-usage.js';


/** The same recorded version: by its dir (none for installs from before versioned dirs) and version. */
function samePrevious(a: PreviousVersion, b: PreviousVersion): boolean {
  return a.installDir === b.installDir && a.version === b.version;
}

export interface ManagerOptions {
  layout: Layout;
  state: StateStore;
  logger: Logger;
  bindAddress: string;
  portBase: number;
  baseRootfs: string;
  /** Larger package files are refused before they are copied. @default DEFAULT_MAX_PACKAGE_BYTES */
  maxPackageBytes?: number;
}

/** Installs, starts and stops services; one operation per service at a time. */
export class ServiceManager {
  private readonly runners = new Map<string, ServiceRunner>();
  private readonly lock = new KeyedLock();
  private readonly changes = new EventEmitter();
  /** Manifests of installed packages, read once: status and list are synchronous and frequent. */
  private readonly manifests = new Map<string, Manifest>();
  private readonly recovery = new RecoverySchedule();

  private constructor(private readonly options: ManagerOptions) {
    this.changes.setMaxListeners(0);
  }

  static async open(options: ManagerOptions): Promise<ServiceManager> {
    const manager = new ServiceManager(options);
    for (const [id, record] of Object.entries(options.state.state.services)) {
      manager.manifests.set(id, await readInstalledManifest(options.layout, id, record.installDir));
    }
    return manager;
  }

  get runningCount(): number {
    return this.runners.size;
  }

  private installed(id: string) {
    const record = this.options.state.service(id);
    if (record === undefined) {
      throw new HearthError('PACKAGE_NOT_INSTALLED', `no package ${JSON.stringify(id)} is installed`, {
        hint: 'see `hearth list` for installed packages, or install one with `hearth install <file.hpk>`',
        details: { id },
      });
    }
    return record;
  }

  private emitEvent(event: HostEvent): void {
    this.changes.emit('event', event);
  }

  /** Call `listener` with every event; returns the unsubscribe function. */
  subscribe(listener: (event: HostEvent) => void): () => void {
    this.changes.on('event', listener);
    return () => this.changes.off('event', listener);
  }

  /**
   * Install a package, or update an installed one to another version. The archive is verified and
   * its signer checked before anything reaches the store; an update must be signed by the key that
   * signed the installed version, and a running service is stopped and started again on the new one.
   * If the new version of a running service does not become ready, the old one is put back and
   * started (UPDATE_FAILED). The old version stays recorded as `previous`, its files kept, until the
   * new one is recorded ready, so a hearthd killed mid-update finishes or rolls back at boot.
   */
  async install(path: string, options: InstallOptions = {}): Promise<PackageSummary> {
    const { layout, state } = this.options;
    const staged = await stagePackage(
      layout,
      path,
      (phase, bytes, totalBytes) => this.emitEvent({ type: 'install.progress', path, phase, bytes, totalBytes }),
      this.options.maxPackageBytes,
    );
    const { manifest } = staged;
    /** The version a running service was updated from, until the new one is ready. */
    let previous: { record: PreviousVersion; manifest: Manifest } | null = null;
    try {
      const summary = await this.lock.run(manifest.id, 'install', async () => {
        const existing = state.service(manifest.id);
        checkInstallable(staged, state.state.services, this.manifests, state.state.trusted, options);
        const taken = new Set(Object.entries(state.state.services).flatMap(([id, s]) => (id === manifest.id ? [] : Object.values(s.ports))));
        const ports = dict<number>();
        for (const ifaceId of Object.keys(manifest.interfaces)) {
          const port = (existing && ownValue(existing.ports, ifaceId)) ?? (await allocatePort(this.options.bindAddress, this.options.portBase, taken));
          taken.add(port);
          ports[ifaceId] = port;
        }
        const existingManifest = this.manifests.get(manifest.id);
        if (existing && existingManifest && this.runners.has(manifest.id)) previous = { record: previousOf(existing), manifest: existingManifest };
        if (existing) {
          await this.stopRunner(manifest.id);
          if (previous !== null) crashPoint('update:old-stopped');
        } else {
          // Files an earlier crash left with no state record are not an install: clear them.
          await removePackageFiles(layout, manifest.id);
        }
        this.emitEvent({ type: 'install.progress', path, phase: 'committing', bytes: 0, totalBytes: 0 });
        const installDir = await commitStaged(layout, staged);
        crashPoint('install:committed');
        await state.update((draft) => {
          draft.services[manifest.id] = {
            version: manifest.version,
            title: manifest.title,
            signer: staged.signer,
            installedAt: new Date().toISOString(),
            ports,
            desired: existing?.desired ?? 'stopped',
            installDir,
            ...(previous !== null && { previous: previous.record }),
          };
        });
        crashPoint('install:recorded');
        if (previous !== null) crashPoint('update:recorded');
        this.manifests.set(manifest.id, manifest);
        if (existing && previous === null) await removeInstalledVersion(layout, manifest.id, existing.installDir);
        this.options.logger.info(existing ? 'updated' : 'installed', { service: manifest.id, version: manifest.version, from: existing?.version });
        this.emitEvent({ type: 'package.installed', id: manifest.id, version: manifest.version });
        return {
          id: manifest.id,
          title: manifest.title,
          version: manifest.version,
          signer: staged.signer,
          ...(existing && { updatedFrom: existing.version }),
        };
      });
      if (previous !== null) {
        this.emitEvent({ type: 'install.progress', path, phase: 'starting', bytes: 0, totalBytes: 0 });
        await this.startUpdated(manifest.id, previous);
      }
      this.emitEvent({ type: 'install.progress', path, phase: 'done', bytes: 0, totalBytes: 0 });
      return summary;
    } finally {
      await rm(staged.dir, { recursive: true, force: true });
    }
  }

  /**
   * Start an updated service and wait for it; if it does not become ready, put the version it
   * replaced back (UPDATE_FAILED). Also how boot finishes an update a killed hearthd left.
   */
  private async startUpdated(id: string, previous: { record: PreviousVersion; manifest: Manifest }): Promise<void> {
    const { layout, state, logger } = this.options;
    try {
      await this.start(id, false); // an adopted container of the new version is kept as it is
      crashPoint('update:new-started');
      await waitReady(this.changes, id, () => this.status(id), DEFAULT_READY_TIMEOUT_MS, join(layout.logsDir, id));
    } catch (error) {
      const failed = state.service(id);
      // Stopped, updated again or uninstalled by a later call: the install itself stands.
      const overtaken = failed === undefined || (error instanceof HearthError && error.code === 'SERVICE_NOT_RUNNING');
      if (overtaken) {
        if (failed !== undefined) await this.settleUpdate(id, previous.record);
        return;
      }
      logger.warn('the updated service did not become ready; rolling back', { service: id, version: failed.version, to: previous.record.version, error: errorMessage(error) });
      const rolledBack = await this.lock.run(id, 'rollback', async () => {
        const current = state.service(id);
        if (current?.previous === undefined || !samePrevious(current.previous, previous.record)) return false; // overtaken meanwhile
        await this.stopRunner(id);
        await state.update((draft) => {
          draft.services[id] = { ...previous.record, desired: 'running' };
        });
        this.manifests.set(id, previous.manifest);
        await removeInstalledVersion(layout, id, current.installDir);
        return true;
      });
      if (!rolledBack) return;
      this.emitEvent({ type: 'package.installed', id, version: previous.record.version });
      const restarted = await this.start(id, false).then(
        () => true,
        () => false,
      );
      throw new HearthError('UPDATE_FAILED', `${id} ${failed.version} did not become ready (${errorMessage(error)}); rolled back to ${previous.record.version}${restarted ? ', which is starting again' : ''}`, {
        hint: `the volumes were not rolled back: a migration the new version ran stays; see \`hearth logs ${id}\``,
        details: { id, failedVersion: failed.version, version: previous.record.version },
        cause: error,
      });
    }
    await this.settleUpdate(id, previous.record, () => crashPoint('update:ready-recorded'));
  }

  /** The update stands: forget the version it replaced (unless a later update replaced it), then delete its files. */
  private async settleUpdate(id: string, previous: PreviousVersion, onRecorded = (): void => undefined): Promise<void> {
    await this.options.state.update((draft) => {
      const record = draft.services[id];
      if (record?.previous !== undefined && samePrevious(record.previous, previous)) delete record.previous;
    });
    onRecorded();
    await removeInstalledVersion(this.options.layout, id, previous.installDir);
  }

  /**
   * Boot, after adoption and the sweep: finish an update an earlier hearthd was killed in. The new
   * version is started (or kept, if adopted) and waited for; if it does not become ready, the
   * recorded previous version is put back, as an update does (UPDATE_FAILED, thrown and logged).
   */
  async resumeUpdate(id: string): Promise<void> {
    const record = this.options.state.service(id);
    const previous = record?.previous;
    if (record === undefined || previous === undefined) return;
    this.options.logger.info('finishing an update an earlier hearthd left half-done', { service: id, version: record.version, from: previous.version });
    // Stopped by the user before the crash: the install stands, as when a stop overtakes an update.
    if (record.desired !== 'running') return await this.settleUpdate(id, previous);
    const manifest = await readInstalledManifest(this.options.layout, id, previous.installDir);
    await this.startUpdated(id, { record: previous, manifest });
  }

  async uninstall(id: string, purge: boolean): Promise<void> {
    const { layout, state, logger } = this.options;
    this.recovery.cancel(id);
    await this.lock.run(id, 'uninstall', async () => {
      this.installed(id);
      const dependents = [...this.manifests].filter(([other, m]) => other !== id && Object.hasOwn(m.dependencies, id)).map(([other]) => other);
      if (dependents.length > 0) {
        throw new HearthError('PACKAGE_IN_USE', `${dependents.join(', ')} ${dependents.length === 1 ? 'depends' : 'depend'} on ${id}, so it stays installed`, {
          hint: `uninstall ${dependents.join(', ')} first`,
          details: { id, dependents },
        });
      }
      await this.stopRunner(id);
      await state.update((draft) => {
        delete draft.services[id];
      });
      this.manifests.delete(id);
      await removePackageFiles(layout, id);
      await rm(servicePaths(layout, id).runDir, { recursive: true, force: true });
      if (purge) await rm(servicePaths(layout, id).volumesDir, { recursive: true, force: true });
      logger.info('uninstalled', { service: id, purge });
      this.emitEvent({ type: 'package.uninstalled', id, purged: purge });
    });
  }

  list(): ServiceSummary[] {
    return Object.entries(this.options.state.state.services)
      .map(([id, r]) => {
        const { state, ready, interfaces } = this.status(id);
        return { id, title: r.title, version: r.version, signer: r.signer, state, ready, interfaces };
      })
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  info(id: string): PackageInfo {
    const record = this.installed(id);
    const manifest = this.manifests.get(id);
    if (manifest === undefined) throw new HearthError('INTERNAL', `the manifest of ${id} is not loaded`);
    return { id, title: record.title, version: record.version, signer: record.signer, installedAt: record.installedAt, desired: record.desired, manifest };
  }

  private async createRunner(id: string): Promise<ServiceRunner> {
    const { layout } = this.options;
    const record = this.installed(id);
    return new ServiceRunner({
      layout,
      paths: servicePaths(layout, id, record.installDir),
      manifest: this.info(id).manifest,
      images: await readInstalledImages(layout, id, record.installDir),
      ports: record.ports,
      bindAddress: this.options.bindAddress,
      baseRootfs: this.options.baseRootfs,
      logger: this.options.logger.child({ service: id }),
      onChange: () => {
        this.changes.emit(id);
        this.emitEvent({ type: 'service.status', status: this.status(id) });
      },
      onLog: (entry) => this.changes.emit(`log:${id}`, entry),
      onRuntimeLost: () => this.recoverLater(id, 'the container runtime disconnected'),
    });
  }

  private async setDesired(id: string, desired: 'running' | 'stopped'): Promise<void> {
    await this.options.state.update((draft) => {
      const s = draft.services[id];
      if (s) s.desired = desired;
    });
  }

  async start(id: string, wait: boolean, timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<ServiceStatus> {
    this.recovery.cancel(id);
    const status = await this.lock.run(id, 'start', async () => {
      this.installed(id);
      if (this.runners.has(id)) return this.status(id);
      // Intent first: a crash from here on leaves a service that should run, which boot converges to.
      await this.setDesired(id, 'running');
      crashPoint('start:recorded');
      const runner = await this.createRunner(id);
      await runner.start();
      crashPoint('start:container-started');
      this.runners.set(id, runner);
      this.recovery.started(id);
      return this.status(id);
    });
    return wait ? await waitReady(this.changes, id, () => this.status(id), timeoutMs, join(this.options.layout.logsDir, id)) : status;
  }

  async stop(id: string): Promise<ServiceStatus> {
    this.recovery.cancel(id);
    return await this.lock.run(id, 'stop', async () => {
      this.installed(id);
      // Intent first: a crash mid-stop leaves a service that should not run, which boot stops.
      await this.setDesired(id, 'stopped');
      crashPoint('stop:recorded');
      await this.stopRunner(id);
      return this.status(id);
    });
  }

  /** Take over a container an earlier hearthd left running; false (and cleaned up) when it cannot be. */
  async adopt(id: string, initPid: number): Promise<boolean> {
    return await this.lock.run(id, 'adopt', async () => {
      const runner = await this.createRunner(id);
      try {
        await runner.adopt(initPid);
      } catch (error) {
        this.options.logger.warn('could not adopt the running container; it was stopped', { service: id, error: errorMessage(error) });
        return false;
      }
      this.runners.set(id, runner);
      this.recovery.started(id);
      return true;
    });
  }

  /**
   * The runtime of a running service went away (killed, crashed, container gone): clean up what is
   * left and, while the service should run, start it again after a backoff delay.
   */
  private recoverLater(id: string, reason: string): void {
    const record = this.options.state.service(id);
    if (record?.desired !== 'running') return;
    const delay = this.recovery.failed(id);
    if (delay === null) {
      this.options.logger.error('the service keeps failing; not restarting it again', { service: id, reason });
      return;
    }
    this.options.logger.warn('restarting the service after a failure', { service: id, reason, delayMs: delay });
    this.recovery.schedule(id, delay, () => {
      void this.lock
        .run(id, 'recover', async () => {
          await this.stopRunner(id);
          if (this.options.state.service(id)?.desired !== 'running') return;
          const runner = await this.createRunner(id);
          await runner.start();
          this.runners.set(id, runner);
          this.recovery.started(id);
        })
        .catch((error: unknown) => {
          this.options.logger.error('restart after a failure failed', { service: id, error: errorMessage(error) });
          this.recoverLater(id, errorMessage(error));
        });
    });
  }

  async restart(id: string, wait: boolean, timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<ServiceStatus> {
    await this.lock.run(id, 'restart', async () => {
      this.installed(id);
      await this.stopRunner(id);
    });
    return await this.start(id, wait, timeoutMs);
  }

  /** The running service, or SERVICE_NOT_RUNNING. */
  private running(id: string): ServiceRunner {
    this.installed(id);
    const runner = this.runners.get(id);
    if (runner === undefined) {
      throw new HearthError('SERVICE_NOT_RUNNING', `${id} is not running`, { hint: `start it with \`hearth start ${id}\`` });
    }
    return runner;
  }

  async exec(id: string, params: Omit<ExecParams, 'execId' | 'daemon'> & { daemon?: string }, onOutput: (output: ExecOutput) => void, signal?: AbortSignal): Promise<ExecResult> {
    const runner = this.running(id);
    return await runner.exec({ ...params, daemon: params.daemon ?? runner.defaultDaemon() }, onOutput, signal);
  }

  async listActions(id: string): Promise<{ actions: ActionInfo[] }> {
    return await this.running(id).listActions();
  }

  async runAction(id: string, action: string, input: Record<string, unknown>): Promise<ActionResult> {
    const runner = this.running(id);
    this.options.logger.info('running an action', { service: id, action });
    return await runner.runAction({ action, input });
  }

  /** `volume` if given (one the package declares), else a daemon's filesystem (the named one, or the first). */
  private fileTarget(id: string, runner: ServiceRunner, target: { daemon?: string; volume?: string; path: string }): FileTarget {
    if (target.volume === undefined) return { daemon: target.daemon ?? runner.defaultDaemon(), path: target.path };
    if (target.daemon !== undefined) throw new HearthError('INVALID_PARAMS', 'give a daemon or a volume, not both');
    const { volumes } = this.info(id).manifest;
    if (!volumes.includes(target.volume)) {
      throw new HearthError('INVALID_PARAMS', `${id} has no volume ${JSON.stringify(target.volume)}`, { hint: `volumes: ${volumes.join(', ') || 'none'}` });
    }
    return { volume: target.volume, path: target.path };
  }

  async putFile(id: string, target: { daemon?: string; volume?: string; path: string }, contentBase64: string, mode?: number): Promise<{ size: number }> {
    const runner = this.running(id);
    return await runner.putFile({ ...this.fileTarget(id, runner, target), contentBase64, ...(mode !== undefined && { mode }) });
  }

  async fetchFile(id: string, target: { daemon?: string; volume?: string; path: string }): Promise<{ contentBase64: string; size: number }> {
    const runner = this.running(id);
    return await runner.fetchFile(this.fileTarget(id, runner, target));
  }

  private async stopRunner(id: string): Promise<void> {
    const runner = this.runners.get(id);
    if (runner === undefined) return;
    await runner.stop();
    this.runners.delete(id);
  }

  status(id: string): ServiceStatus {
    const record = this.installed(id);
    const runner = this.runners.get(id);
    if (runner) return runner.status(record.version);
    const manifest = this.manifests.get(id);
    const interfaces = manifest ? interfaceStatuses(manifest, record.ports, this.options.bindAddress) : [];
    return { id, version: record.version, state: 'stopped', ready: false, container: null, daemons: [], interfaces };
  }

  /**
   * Status with a warning on each interface nobody listens behind, probed while the service is
   * running (not while it starts or stops: a port not yet open is expected then).
   */
  async statusProbed(id: string): Promise<ServiceStatus> {
    const status = this.status(id);
    const runner = this.runners.get(id);
    if (runner === undefined || status.state !== 'running') return status;
    const warnings = await runner.interfaceWarnings();
    return { ...status, interfaces: status.interfaces.map((i) => (warnings.has(i.id) ? { ...i, warning: warnings.get(i.id) } : i)) };
  }

  /** Usage of one running service (SERVICE_NOT_RUNNING otherwise), or of every running one. */
  async stats(id?: string): Promise<ServiceUsage[]> {
    const ids = id === undefined ? [...this.runners.keys()].sort() : [id];
    const usages: ServiceUsage[] = [];
    if (id !== undefined) this.running(id); // not installed, or not running: say so
    for (const service of ids) {
      const runner = this.runners.get(service); // stopped meanwhile: left out
      const initPid = runner?.containerPid ?? null;
      const usage = initPid === null ? null : await cgroupUsage(initPid);
      if (runner && usage !== null) usages.push({ id: service, ...usage, daemons: await runner.daemonUsage(), volumes: await this.volumeUsage(service) });
      else if (id !== undefined) throw new HearthError('SERVICE_NOT_RUNNING', `${id} has no running container`, { hint: `start it with \`hearth start ${id}\`` });
    }
    return usages;
  }

  private async volumeUsage(id: string): Promise<ServiceUsage['volumes']> {
    const { volumesDir } = servicePaths(this.options.layout, id);
    return await Promise.all(this.info(id).manifest.volumes.map(async (volume) => ({ id: volume, bytes: await diskUsage(join(volumesDir, volume)) })));
  }

  async logs(id: string, query: LogQuery): Promise<LogEntry[]> {
    this.installed(id);
    return await readLogs(join(servicePaths(this.options.layout, id).logsDir, DAEMON_LOG_FILE), query);
  }

  /** Call `listener` with each new log entry of `id` that matches; returns the unsubscribe function. */
  followLogs(id: string, query: Omit<LogQuery, 'limit'>, listener: (entry: LogEntry) => void): () => void {
    this.installed(id);
    const onEntry = (entry: LogEntry): void => {
      if (matches(entry, query)) listener(entry);
    };
    this.changes.on(`log:${id}`, onEntry);
    return () => this.changes.off(`log:${id}`, onEntry);
  }

  /** Stop every running service (hearthd shutting down). */
  async stopAll(): Promise<void> {
    this.recovery.cancelAll();
    for (const id of [...this.runners.keys()]) {
      try {
        await this.lock.run(id, 'shutdown', () => this.stopRunner(id));
      } catch (error) {
        this.options.logger.error('stop at shutdown failed', { service: id, error: String(error) });
      }
    }
  }
}

