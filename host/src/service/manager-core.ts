import type { Manifest, PackageInfo, ServiceStatus } from '@hearth/sdk/contract';
import type { Logger } from '../log.js';
import type { Layout } from '../layout.js';
import type { ServiceRecord, StateStore } from '../store/state.js';
import type { KeyedLock } from './keyed-lock.js';
import type { ServiceRunner } from './runner.js';
import type { ServiceEvents } from './service-events.js';
import type { ServiceNetwork } from './service-network.js';
import type { HostNetwork } from '../network/host-network.js';
import type { CaFiles } from '../network/ca.js';
import type { ServiceConfigs } from './service-config.js';

export interface TlsSetup {
  ca: CaFiles;
  certsDir: string;
  /** Names every leaf is issued for besides the service's own (`localhost`, the host's name, …). */
  names: { dns: string[]; ips: string[] };
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
  /** hearth's bridge; null with `--network none` (loopback only, interfaces relayed). */
  network: HostNetwork | null;
  /** hearth's CA and where leaf certificates are kept: http interfaces are also offered over TLS. */
  tls: TlsSetup | null;
}

/**
 * What the parts of the manager share (packages, update, lifecycle, operations on a running
 * service): the state, the runners of running services, the per-service lock and the event bus.
 */
export interface ManagerCore {
  readonly options: ManagerOptions;
  readonly runners: Map<string, ServiceRunner>;
  readonly lock: KeyedLock;
  readonly manifests: Map<string, Manifest>;
  readonly events: ServiceEvents;
  /** The services on hearth's bridge; null with `--network none`. */
  readonly net: ServiceNetwork | null;
  readonly configs: ServiceConfigs;
  /** The record of an installed package, or PACKAGE_NOT_INSTALLED. */
  installed(id: string): ServiceRecord;
  /** The runner of a running service, or SERVICE_NOT_RUNNING. */
  running(id: string): ServiceRunner;
  info(id: string): PackageInfo;
  status(id: string): ServiceStatus;
  start(id: string, wait: boolean, timeoutMs?: number): Promise<ServiceStatus>;
  stopRunner(id: string): Promise<void>;
}
