import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError, errorMessage, type NetworkRules, type HostEvent, type Manifest, type PackageInfo, type PackageSummary, type ServiceStatus, type ServiceSummary } from '@hearth/sdk/contract';
import { servicePaths } from '../layout.js';
import type { ServiceRecord } from '../store/state.js';
import { readInstalledImages, readInstalledManifest } from '../store/install.js';
import type { InstallOptions } from './trust.js';
import { KeyedLock } from './keyed-lock.js';
import { RecoverySchedule } from './recovery.js';
import { crashPoint } from '../crash-points.js';
import { ServiceRunner } from './runner.js';
import { interfaceStatuses } from './status.js';
import { DEFAULT_READY_TIMEOUT_MS, waitReady } from './wait-ready.js';
import type { ManagerCore, ManagerOptions } from './manager-core.js';
import { ServiceEvents } from './service-events.js';
import { ServiceOperations } from './operations.js';
import { resumeUpdate } from './update.js';
import { installPackage, uninstallPackage } from './packages.js';
import { ServiceNetwork } from './service-network.js';
import { formatIpv4Net } from '../network/ipv4.js';
import { BRIDGE_NAME } from '../network/names.js';
import { ServiceConfigs } from './service-config.js';
import { SecretStore } from '../secrets/store.js';
import type { ServiceConfig } from '@hearth/sdk/contract';
import { BulkStarts } from './bulk-starts.js';

export type { ManagerOptions } from './manager-core.js';


/** Installs, starts and stops services; one operation per service at a time. */
export class ServiceManager implements ManagerCore {
  readonly runners = new Map<string, ServiceRunner>();
  readonly lock = new KeyedLock();
  readonly events = new ServiceEvents();
  /** Exec, actions, files, usage and logs of running services. */
  readonly operations = new ServiceOperations(this);
  /** Manifests of installed packages, read once: status and list are synchronous and frequent. */
  readonly manifests = new Map<string, Manifest>();
  private readonly recovery = new RecoverySchedule();
  /** Runners between their creation and a finished start or adoption (not yet in `runners`). */
  private readonly launching = new Map<string, ServiceRunner>();
  readonly net: ServiceNetwork | null;
  /** Settings and secrets: `hearth config`, `hearth secret`, and what each start is given. */
  readonly configs: ServiceConfigs;
  /** Boot, `start --all` and shutdown: many services at once, dependencies first. */
  readonly bulk: BulkStarts;

  private constructor(readonly options: ManagerOptions) {
    this.configs = new ServiceConfigs(this, new SecretStore(options.layout.secretsDir));
    this.bulk = new BulkStarts(this);
    this.net = options.network === null ? null : new ServiceNetwork(options.network, options.state, this.manifests, options.bindAddress, options.logger);
  }

  static async open(options: ManagerOptions): Promise<ServiceManager> {
    const manager = new ServiceManager(options);
    for (const [id, record] of Object.entries(options.state.state.services)) {
      manager.manifests.set(id, await readInstalledManifest(options.layout, id, record.installDir));
    }
    // Every installed service has its address and rules before any container starts or is adopted.
    await manager.net?.assignMissing();
    manager.net?.primeActive();
    await manager.net?.refresh();
    return manager;
  }

  get runningCount(): number {
    return this.runners.size;
  }

  installed(id: string): ServiceRecord {
    const record = this.options.state.service(id);
    if (record === undefined) {
      throw new HearthError('PACKAGE_NOT_INSTALLED', `no package ${JSON.stringify(id)} is installed`, {
        hint: 'see `hearth list` for installed packages, or install one with `hearth install <file.hpk>`',
        details: { id },
      });
    }
    return record;
  }

  /** Call `listener` with every event; returns the unsubscribe function. */
  subscribe(listener: (event: HostEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /**
   * Install a package, or update an installed one (packages.ts); an update of a running service
   * stops the old version and starts the new one, keeping the old files until it is ready (update.ts).
   */
  async install(path: string, options: InstallOptions = {}): Promise<PackageSummary> {
    return await installPackage(this, path, options);
  }

  /** Boot: finish an update an earlier hearthd was killed in (update.ts). */
  async resumeUpdate(id: string): Promise<void> {
    await resumeUpdate(this, id);
  }

  async uninstall(id: string, purge: boolean): Promise<void> {
    this.recovery.cancel(id);
    await uninstallPackage(this, id, purge);
  }

  list(): ServiceSummary[] {
    return Object.entries(this.options.state.state.services)
      .map(([id, r]) => {
        const { state, ready, interfaces, network } = this.status(id);
        const queued = this.bulk.queued(id) ? { queued: true } : {};
        return { id, title: r.title, version: r.version, signer: r.signer, state, ready, ...queued, interfaces, ...(network && { network }), ...(r.lastBackup && { lastBackup: r.lastBackup }) };
      })
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  info(id: string): PackageInfo {
    const record = this.installed(id);
    const manifest = this.manifests.get(id);
    if (manifest === undefined) throw new HearthError('INTERNAL', `the manifest of ${id} is not loaded`);
    return { id, title: record.title, version: record.version, signer: record.signer, installedAt: record.installedAt, desired: record.desired, manifest };
  }

  private async createRunner(id: string, config: ServiceConfig): Promise<ServiceRunner> {
    const { layout } = this.options;
    const record = this.installed(id);
    return new ServiceRunner({
      layout,
      paths: servicePaths(layout, id, record.installDir),
      manifest: this.info(id).manifest,
      images: await readInstalledImages(layout, id, record.installDir),
      ports: record.ports,
      bindAddress: this.options.bindAddress,
      network: this.net,
      tls: this.options.tls,
      baseRootfs: this.options.baseRootfs,
      logger: this.options.logger.child({ service: id }),
      onChange: () => this.announce(id),
      onLog: (entry) => this.events.log(id, entry),
      onRuntimeLost: (reason) => this.recoverLater(id, reason),
      config,
      ...(record.afterUpdateFrom !== undefined && { updatedFrom: record.afterUpdateFrom }),
    });
  }

  /** Tell waiters and subscribers the service's status changed. */
  private announce(id: string): void {
    this.events.changed(id);
    this.events.emit({ type: 'service.status', status: this.status(id) });
  }

  /**
   * Runs a new runner through `go` (start or adopt); its host ports are forwarded from before the
   * container starts, and no longer when it fails to come up.
   */
  private async launch(id: string, config: ServiceConfig, go: (runner: ServiceRunner) => Promise<void>): Promise<ServiceRunner> {
    await this.net?.activate(id);
    try {
      const runner = await this.createRunner(id, config);
      // Its status (and the events announcing it) come from it while it starts, not "stopped".
      this.launching.set(id, runner);
      await go(runner);
      // The runtime was told (runtime.start's updatedFrom): the afterUpdate hook is not due again.
      if (this.options.state.service(id)?.afterUpdateFrom !== undefined) {
        await this.options.state.update((draft) => {
          delete draft.services[id]?.afterUpdateFrom;
        });
      }
      this.runners.set(id, runner);
      this.recovery.started(id);
      this.launching.delete(id);
      // Only now is it running (its exec, stats and files work): say so, ready or not.
      this.announce(id);
      return runner;
    } catch (error) {
      await this.net?.deactivate(id);
      throw error;
    } finally {
      this.launching.delete(id);
    }
  }

  private async setDesired(id: string, desired: 'running' | 'stopped'): Promise<void> {
    await this.options.state.update((draft) => {
      const s = draft.services[id];
      if (s) s.desired = desired;
    });
  }

  /**
   * Start a service, its dependencies first: each is started if it is not running and waited for
   * until ready (as systemd's Requires=/After= and Compose's `depends_on: service_healthy` do).
   * `chain`: the dependents that led here, to name a dependency cycle instead of waiting forever.
   */
  async start(id: string, wait: boolean, timeoutMs = DEFAULT_READY_TIMEOUT_MS, chain: readonly string[] = []): Promise<ServiceStatus> {
    this.recovery.cancel(id);
    this.installed(id);
    for (const dep of Object.keys(this.manifests.get(id)?.dependencies ?? {})) {
      if (chain.includes(dep) || dep === id) {
        throw new HearthError('DEPENDENCY_MISSING', `the dependencies form a cycle: ${[...chain, id, dep].join(' → ')}`, { hint: 'uninstall one of these packages' });
      }
      if (this.options.state.service(dep) === undefined) {
        throw new HearthError('DEPENDENCY_MISSING', `${id} needs ${dep}, which is not installed`, { hint: `install ${dep} first`, details: { id, dependency: dep } });
      }
      try {
        await this.start(dep, true, timeoutMs, [...chain, id]);
      } catch (error) {
        throw new HearthError('DEPENDENCY_MISSING', `${id} waits for its dependency ${dep}, which did not become ready: ${errorMessage(error)}`, {
          hint: `see \`hearth status ${dep}\` and \`hearth logs ${dep}\``,
          details: { id, dependency: dep },
          cause: error,
        });
      }
    }
    const status = await this.lock.run(id, 'start', async () => {
      this.installed(id);
      if (this.runners.has(id)) return this.status(id);
      // A required setting or user secret without a value: refused before anything is recorded or started.
      const config = await this.configs.configForStart(id);
      // Intent first: a crash from here on leaves a service that should run, which boot converges to.
      await this.setDesired(id, 'running');
      crashPoint('start:recorded');
      await this.launch(id, config, async (runner) => {
        await runner.start();
        crashPoint('start:container-started');
      });
      return this.status(id);
    });
    return wait ? await this.untilReady(id, timeoutMs) : status;
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
      try {
        await this.launch(id, await this.configs.configOf(id), (runner) => runner.adopt(initPid));
      } catch (error) {
        this.options.logger.warn('could not adopt the running container; it was stopped', { service: id, error: errorMessage(error) });
        return false;
      }
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
          await this.launch(id, await this.configs.configForStart(id), (runner) => runner.start());
        })
        .catch((error: unknown) => {
          this.options.logger.error('restart after a failure failed', { service: id, error: errorMessage(error) });
          this.recoverLater(id, errorMessage(error));
        });
    });
  }

  /**
   * Stop and start again. A running service whose runtime answers restarts its daemons in its
   * container (ServiceRunner.restartDaemons); `full`, a service that is not running or not
   * answering, or an in-place restart that fails, gets a new container, as stop then start would.
   */
  async restart(id: string, wait: boolean, timeoutMs = DEFAULT_READY_TIMEOUT_MS, full = false): Promise<ServiceStatus> {
    this.recovery.cancel(id);
    const inPlace = await this.lock.run(id, 'restart', async () => {
      this.installed(id);
      const runner = this.runners.get(id);
      if (!full && runner?.canRestartInPlace) {
        // Refused before anything stops, as a start refuses: a required setting without a value.
        const config = await this.configs.configForStart(id);
        try {
          await runner.restartDaemons(config);
          return true;
        } catch (error) {
          this.options.logger.warn('restarting the daemons in their container failed; restarting the container', { service: id, error: errorMessage(error) });
        }
      }
      await this.stopRunner(id);
      return false;
    });
    if (!inPlace) return await this.start(id, wait, timeoutMs);
    return wait ? await this.untilReady(id, timeoutMs) : this.status(id);
  }

  /** Its status once every daemon is ready; a failure or the timeout says why, with its last log lines. */
  private async untilReady(id: string, timeoutMs: number): Promise<ServiceStatus> {
    return await waitReady(this.events, id, () => this.status(id), timeoutMs, join(this.options.layout.logsDir, id));
  }

  /** The running service, or SERVICE_NOT_RUNNING. */
  running(id: string): ServiceRunner {
    this.installed(id);
    const runner = this.runners.get(id);
    if (runner === undefined) {
      throw new HearthError('SERVICE_NOT_RUNNING', `${id} is not running`, { hint: `start it with \`hearth start ${id}\`` });
    }
    return runner;
  }

  async stopRunner(id: string): Promise<void> {
    const runner = this.runners.get(id);
    if (runner === undefined) return;
    await runner.stop();
    this.runners.delete(id);
    await this.net?.deactivate(id);
  }

  status(id: string): ServiceStatus {
    const status = this.statusOf(id);
    const last = this.options.state.service(id)?.lastBackup;
    return last === undefined ? status : { ...status, lastBackup: last };
  }

  private statusOf(id: string): ServiceStatus {
    const record = this.installed(id);
    const network = this.net?.status(id, this.unreadyDependencies(id));
    const runner = this.runners.get(id);
    if (runner) return { ...runner.status(record.version), ...(network && { network }) };
    // Still starting (or being adopted): its daemons as they are, but not running nor ready until
    // the start has finished, since operations on a running service are refused until then.
    const launching = this.launching.get(id)?.status(record.version);
    if (launching) return { ...launching, state: launching.state === 'running' ? 'starting' : launching.state, ready: false, ...(network && { network }) };
    const manifest = this.manifests.get(id);
    const interfaces = manifest ? interfaceStatuses(manifest, record.ports, this.options.bindAddress) : [];
    return { id, version: record.version, state: 'stopped', ready: false, container: null, daemons: [], interfaces, ...(network && { network }) };
  }

  /** Its declared dependencies that are not installed, or not running and ready. */
  unreadyDependencies(id: string): string[] {
    const manifest = this.manifests.get(id);
    if (manifest === undefined) return [];
    return Object.keys(manifest.dependencies).filter((dep) => {
      const record = this.options.state.service(dep);
      const runner = this.runners.get(dep);
      return record === undefined || runner === undefined || !runner.status(record.version).ready;
    });
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

  /** hearth's CA certificate, to trust its TLS interfaces. */
  async caCertificate(): Promise<{ certificate: string; fingerprint: string }> {
    const tls = this.options.tls;
    if (tls === null) throw new HearthError('INVALID_PARAMS', 'this hearthd offers no TLS interfaces', { hint: 'TLS needs hearthd to have its CA (the default)' });
    const certificate = await readFile(tls.ca.cert, 'utf8');
    return { certificate, fingerprint: new X509Certificate(certificate).fingerprint256 };
  }

  /** hearth's bridge and its firewall in words; `none` when hearthd runs without one. */
  networkRules(): NetworkRules {
    if (this.net === null) return { mode: 'none', rules: [] };
    const { host } = this.net;
    return { mode: 'bridge', bridge: BRIDGE_NAME, subnet: formatIpv4Net(host.subnet), gateway: host.gateway, rules: this.net.rules() };
  }

  /**
   * The user's decision on a service's outbound access, applied to the firewall at once. Its DNS
   * servers (in /etc/resolv.conf) follow at its next start.
   */
  async setOutbound(id: string, outbound: boolean): Promise<ServiceStatus> {
    return await this.lock.run(id, 'outbound', async () => {
      this.installed(id);
      const net = this.net;
      if (net === null) {
        throw new HearthError('INVALID_PARAMS', 'hearthd runs with --network none: services have loopback only', { hint: 'restart hearthd with --network bridge to give services a network' });
      }
      await this.options.state.update((draft) => {
        const network = draft.services[id]?.network;
        if (network) network.outbound = outbound;
      });
      await net.refresh();
      this.options.logger.info(outbound ? 'outbound access granted' : 'outbound access revoked', { service: id });
      return this.status(id);
    });
  }

  /** Stop every running service (hearthd shutting down): together, each after its dependents. */
  async stopAll(): Promise<void> {
    this.recovery.cancelAll();
    await this.bulk.stopAll();
  }
}

