import type { Manifest } from '../manifest.js';
import type { DaemonStatus, DaemonUsage, ExecOutput, ExecResult, HookReport, LogEntry, ReconfigureResult } from './runtime-api.js';
import type { ActionInfo, ActionResult } from '../actions.js';
import type { InputSchema } from '../input.js';

/** The control API hearthd serves on its socket (JSON-RPC 2.0, one JSON message per line). */

export const DEFAULT_SOCKET_PATH = '/run/hearth/hearthd.sock';
export const DEFAULT_DATA_DIR = '/var/lib/hearth';

export interface PackageSummary {
  id: string;
  title: string;
  version: string;
  /** Hex sha256 of the signer's raw ed25519 public key. */
  signer: string;
  /** Set when this install replaced another version. */
  updatedFrom?: string;
  /** What an install or update granted it on hearth's bridge (absent with `--network none`). */
  granted?: { address: string; outbound: boolean; outboundRequested: boolean };
}

/** `hearth net`: hearth's bridge and the firewall it holds, in words. */
export interface NetworkRules {
  mode: 'bridge' | 'none';
  bridge?: string;
  subnet?: string;
  gateway?: string;
  rules: { kind: 'service' | 'dependency' | 'outbound' | 'host-port' | 'default'; text: string }[];
}

export interface TrustedKeyInfo {
  fingerprint: string;
  publicKey: string;
  name: string;
  addedAt: string;
}

export type ServiceState = 'stopped' | 'starting' | 'running' | 'stopping' | 'failed';

export interface InterfaceStatus {
  id: string;
  name: string;
  protocol: 'http' | 'tcp';
  /** Port inside the container. */
  port: number;
  hostAddress: string;
  hostPort: number;
  /** `http://127.0.0.1:8400/` for http interfaces. */
  url: string;
  /** The same http interface over TLS, with a certificate from hearth's CA (`hearth ca export`). */
  tlsUrl?: string;
  /** Set by `service.status` of a running service when nothing answers behind the interface (nobody listens on `port`). */
  warning?: string;
}

export interface ServiceStatus {
  id: string;
  version: string;
  state: ServiceState;
  /** True once every daemon is ready. */
  ready: boolean;
  /** Why it failed (a daemon's reason, the runtime lost), else the last message the package's hooks set (secrets redacted). */
  message?: string;
  /** The last report of each hook that ran since the service started, oldest first. */
  hooks?: HookReport[];
  /** The last scheduled backup of the service, when a schedule covers it. */
  lastBackup?: LastBackup;
  container: { name: string; initPid: number } | null;
  daemons: DaemonStatus[];
  interfaces: InterfaceStatus[];
  /** Its place on hearth's bridge; absent with `hearthd --network none`. */
  network?: ServiceNetworkStatus;
  /**
   * Milliseconds each step of its last start took, in order (hearthd's view: dirs, prepare,
   * container, runtime, package, daemons, then ready once every daemon is). Absent for
   * an adopted container.
   */
  stepsMs?: Record<string, number>;
}

export interface ServiceNetworkStatus {
  /** Its address on the bridge, stable for the life of the install. */
  address: string;
  /** `<id>.hearth`: the name its dependents reach it by. */
  hostname: string;
  /** The manifest asked for outbound access. */
  outboundRequested: boolean;
  /** The user allows it (granted at install when asked; `hearth net outbound` changes it). */
  outbound: boolean;
  /** Installed services allowed to connect to it, each with the interfaces it declared. */
  reachableFrom: { id: string; interfaces: string[] }[];
  /** Its declared dependencies that are not running and ready. */
  waitingFor: string[];
}

/** A setting value as stored and given to package code. */
export type SettingValue = string | number | boolean;

/** `config.get`: the service's settings, their schema, and required ones still without a value. */
export interface ServiceSettings {
  id: string;
  settings: Record<string, SettingValue>;
  schema: InputSchema;
  /** Required settings without a value: the service does not start until they are set. */
  missing: string[];
}

/**
 * What a change of settings or secrets did: saved always; applied at once to a running service
 * (only the daemons that use what changed restart), else at its next start.
 */
export interface ConfigChange {
  id: string;
  /** `saved`: the service is not running, it applies at the next start; `reconfigured`: applied now; `restart-needed`: saved, but the running service could not apply it (see `warning`). */
  applied: 'saved' | 'reconfigured' | 'restart-needed';
  reconfigured?: Omit<ReconfigureResult, 'daemons'>;
  warning?: string;
}

/** `secret.list`: a declared secret, never its value. */
export interface SecretInfo {
  name: string;
  description: string;
  /** `generated` at install (and by rotate); `user`: supplied with `hearth secret set`. */
  source: 'generated' | 'user';
  set: boolean;
  /** When its value was last generated or set (ISO 8601). */
  setAt?: string;
  /** Daemons of the running service given it, as the runtime reported; absent when not known. */
  usedBy?: string[];
}

/** What a running service uses now, from its container's cgroup (as `podman stats` shows). */
export interface ServiceUsage {
  id: string;
  memoryBytes: number;
  /** null: no limit. */
  memoryLimitBytes: number | null;
  /** Processes in the container: runtime, daemons, their children. */
  pids: number;
  pidsLimit: number | null;
  /** CPU time the container used since it started. */
  cpuSeconds: number;
  /** Per started daemon, from its own cgroup inside the container (empty where there is none). */
  daemons: DaemonUsage[];
  /** Disk used by each declared volume (blocks, as `du` counts them); null when it could not be measured in time. */
  volumes: { id: string; bytes: number | null }[];
}

/** A line of `hearth ls`: the package and how its service is doing. */
export interface ServiceSummary extends PackageSummary {
  state: ServiceState;
  ready: boolean;
  /** Waiting in a start or stop of many services (boot, `start --all`, shutdown) for its dependencies or a slot. */
  queued?: boolean;
  interfaces: InterfaceStatus[];
  network?: ServiceNetworkStatus;
  /** The last scheduled backup of the service, when a schedule covers it. */
  lastBackup?: LastBackup;
}

/** How the last scheduled backup of a service went. */
export interface LastBackup {
  /** ISO 8601: when it ended. */
  time: string;
  target: string;
  ok: boolean;
  snapshot?: string;
  error?: string;
}

/** `hearth backup schedule`: one service (or `*`, every installed one), when, where, how many kept. */
export interface BackupScheduleInfo {
  service: string;
  target: string;
  /** Runs this long after the last run started (or at once, the first time). One of everySeconds and cron. */
  everySeconds?: number;
  /** A five-field cron expression in the host's local time (`30 3 * * *`). */
  cron?: string;
  keep: number;
  /** ISO 8601: when the last run started. */
  lastRun?: string;
  /** ISO 8601: when the schedule was set; a cron schedule's first run is its first match after it. */
  since?: string;
}

/** A start or stop of many services under way: at boot, `hearth start --all`, hearthd's shutdown. */
export interface BulkProgress {
  operation: 'start' | 'stop';
  total: number;
  /** Started and ready, or stopped. */
  done: number;
  failed: number;
  /** Not yet begun: waiting for their dependencies or a slot. */
  queued: number;
}

export interface PackageInfo extends PackageSummary {
  installedAt: string;
  desired: 'running' | 'stopped';
  manifest: Manifest;
}

export interface ServerInfo {
  version: string;
  pid: number;
  dataDir: string;
  socket: string;
  bindAddress: string;
  baseImage: string;
  startedAt: string;
  services: { installed: number; running: number };
}

/** A backup target: a restic repository and (kept by hearthd, never shown again) its password. */
export interface BackupTargetInfo {
  name: string;
  /** restic's location string: an absolute path, `sftp:…`, `s3:…`. */
  repository: string;
  addedAt: string;
}

/** A snapshot of one service in a target. */
export interface SnapshotSummary {
  /** The full snapshot id (hex); any unique prefix names it (`shortId`). */
  id: string;
  shortId: string;
  target: string;
  service: string;
  /** The package version it was taken of (its archive is in the snapshot). */
  version: string;
  time: string;
  /** The bytes read: volumes, package archive, settings and secrets. */
  bytes: number | null;
  /** `hot`: taken while the service ran, through its backup hooks; `cold`: with the service stopped. */
  mode: 'hot' | 'cold';
}

export interface BackupSummary extends SnapshotSummary {
  /** What the repository grew by (new chunks, after deduplication and compression). */
  bytesAdded: number;
  durationMs: number;
}

export interface RestoreSummary {
  id: string;
  version: string;
  snapshot: string;
  target: string;
  /** The package was installed from the snapshot's archive (it was not installed). */
  installed: boolean;
  status: ServiceStatus;
  /** The package's afterRestore hook, when the snapshot was taken hot and the package has one. */
  afterRestore?: HookReport;
}

export type BackupPhase = 'preparing' | 'stopping' | 'hook' | 'reading' | 'restoring' | 'installing' | 'committing' | 'starting' | 'done';

/** A package registry this host reads (`hearth registry add`). */
export interface RegistryInfo {
  name: string;
  url: string;
  /** The registry's raw ed25519 key, base64, and its fingerprint. */
  publicKey: string;
  fingerprint: string;
  addedAt: string;
  /** The highest index version this host has accepted: an older one is refused (REGISTRY_ROLLBACK). */
  seenVersion: number;
}

/** One package as registries offer it: the newest version, and every version, newest first. */
export interface RegistryPackageInfo {
  registry: string;
  id: string;
  title: string;
  description: string;
  /** Absolute URL of the icon, or null. */
  icon: string | null;
  publisher: string;
  latest: string;
  versions: { version: string; size: number; sha256: string; minHearth: string | null; dependencies: Record<string, string> }[];
  /** The installed version, if any. */
  installed: string | null;
}

/** One package an install from registries would install; dependencies come before what needs them. */
export interface RegistryPlanItem {
  id: string;
  version: string;
  registry: string;
  size: number;
  /** The package asked for (the others are its missing dependencies). */
  requested: boolean;
}

/** An installed package with a newer version in a registry (same publisher). */
export interface RegistryUpdate {
  id: string;
  registry: string;
  installed: string;
  available: string;
}

export interface HostMethods {
  'server.info': { params: Record<string, never>; result: ServerInfo };
  /**
   * hearthd exits (code `HEARTHD_RESTART_EXIT_CODE`) right after answering, leaving every service, its
   * address, firewall rules and host ports in place, as a crash would: the supervisor starts it again
   * and the new one adopts them (an upgrade of hearth without stopping services). SIGTERM, instead,
   * stops every service and removes the network.
   */
  'server.restart': { params: Record<string, never>; result: { pid: number; exitCode: number } };
  /**
   * Install, or update an installed package to another version (same signer required). A signer
   * the host does not trust is refused unless `allowUntrusted`; `expectId` refuses any other package.
   * The file is `path` on the host, or `upload`: a file sent to the dashboard's `POST /api/upload`.
   */
  'package.install': { params: { path: string; upload?: never; allowUntrusted?: boolean; expectId?: string } | { upload: string; path?: never; allowUntrusted?: boolean; expectId?: string }; result: PackageSummary };
  'package.uninstall': { params: { id: string; purge?: boolean }; result: { id: string } };
  'package.list': { params: Record<string, never>; result: { packages: ServiceSummary[]; progress?: BulkProgress } };
  'package.info': { params: { id: string }; result: PackageInfo };
  'service.start': { params: { id: string; waitReady?: boolean; timeoutMs?: number }; result: ServiceStatus };
  'service.stop': { params: { id: string }; result: ServiceStatus };
  /**
   * Start every installed service, together up to a bound sized to the machine, each after its
   * dependencies; with `waitReady`, resolves once each is ready or failed (`failed` says why).
   */
  'service.startAll': { params: { waitReady?: boolean; timeoutMs?: number }; result: { services: ServiceStatus[]; failed: { id: string; message: string }[] } };
  'service.status': { params: { id: string }; result: ServiceStatus };
  /** Usage of one running service, or (no `id`) of every running one. */
  'service.stats': { params: { id?: string }; result: { services: ServiceUsage[] } };
  /**
   * The last `limit` (default 200) log entries, oldest first. With `follow`, new entries then arrive
   * as `service.log` notifications on the same connection until it closes.
   */
  'service.logs': {
    params: { id: string; daemon?: string; since?: number; limit?: number; follow?: boolean };
    result: { entries: LogEntry[] };
  };
  /**
   * The daemons stopped and started again in their container (its runtime, package, address and
   * relays kept); `full`, or a service not running or not answering: a new container, as stop then start.
   */
  'service.restart': { params: { id: string; waitReady?: boolean; timeoutMs?: number; full?: boolean }; result: ServiceStatus };
  /** Run a command in a daemon's filesystem; output arrives as `service.execOutput` notifications. */
  'service.exec': {
    params: { id: string; daemon?: string; command: string[]; env?: Record<string, string>; timeoutMs?: number; user?: string };
    result: ExecResult;
  };
  /** Copy a file into a running daemon's filesystem (`daemon`) or a volume (`volume`). */
  'service.put': { params: { id: string; daemon?: string; volume?: string; path: string; contentBase64: string; mode?: number }; result: { size: number } };
  'service.fetch': { params: { id: string; daemon?: string; volume?: string; path: string }; result: { contentBase64: string; size: number } };
  /** The actions a running service offers, with their input schemas. */
  'action.list': { params: { id: string }; result: { actions: ActionInfo[] } };
  /** Run an action; input values may be strings (from a CLI) and are converted by the schema. */
  'action.run': { params: { id: string; action: string; input?: Record<string, string | number | boolean> }; result: ActionResult };
  /** Add (or replace) a registry: its index is fetched and verified with `publicKey` first. */
  'registry.add': { params: { name: string; url: string; publicKey: string }; result: RegistryInfo };
  'registry.list': { params: Record<string, never>; result: { registries: RegistryInfo[] } };
  'registry.remove': { params: { name: string }; result: { name: string } };
  /** Packages whose id, title or description contain every word (all packages without words). */
  'registry.search': { params: { words?: string[] }; result: { packages: RegistryPackageInfo[] } };
  /** What `registry.install` with `dependencies: true` would install (for the user to confirm). */
  'registry.plan': { params: { id: string; range?: string; registry?: string }; result: { plan: RegistryPlanItem[] } };
  /** Download (resumable, `install.progress` phase `downloading`), verify against the index, install; with `dependencies`, missing ones first. */
  'registry.install': { params: { id: string; range?: string; registry?: string; allowUntrusted?: boolean; dependencies?: boolean }; result: PackageSummary };
  'registry.updates': { params: Record<string, never>; result: { updates: RegistryUpdate[] } };
  /** Update one package, or all (`all: true`), to the newest version its registries offer. */
  'registry.update': { params: { id?: string; all?: boolean; allowUntrusted?: boolean }; result: { updated: PackageSummary[] } };
  'trust.add': { params: { publicKey: string; name?: string }; result: TrustedKeyInfo };
  'trust.list': { params: Record<string, never>; result: { keys: TrustedKeyInfo[] } };
  'trust.remove': { params: { fingerprint: string }; result: { fingerprint: string } };
  /** hearth's local CA certificate (PEM), for browsers and clients to trust the TLS interfaces. */
  'server.ca': { params: Record<string, never>; result: { certificate: string; fingerprint: string } };
  /** hearth's bridge and the rules of its firewall, in words. */
  'network.rules': { params: Record<string, never>; result: NetworkRules };
  /** Allow or revoke a service's connections to the internet and the LAN; applies at once. */
  'service.setOutbound': { params: { id: string; outbound: boolean }; result: ServiceStatus };
  /** The service's settings (`hearth config get`). */
  'config.get': { params: { id: string }; result: ServiceSettings };
  /**
   * Change settings (strings converted by the schema, like action input); all or nothing: a bad value
   * changes none. A running service is reconfigured at once.
   */
  'config.set': { params: { id: string; values: Record<string, SettingValue> }; result: ConfigChange & { settings: Record<string, SettingValue> } };
  'secret.list': { params: { id: string }; result: { secrets: SecretInfo[] } };
  /** Set a secret's value (a user-supplied one, or replace a generated one); a running service is reconfigured. */
  'secret.set': { params: { id: string; name: string; value: string }; result: ConfigChange };
  /** Generate a new value for a generated secret; a running service restarts the daemons that use it. */
  'secret.rotate': { params: { id: string; name: string }; result: ConfigChange };
  /** From now on, `event` notifications on this connection (for `services` only, if given) until it closes. */
  'events.subscribe': { params: { services?: string[] }; result: { subscribed: true } };
  /**
   * Add a backup target. Without `password` a new repository is made with a generated password,
   * returned this once; with it, an existing repository is opened (refused if the password is wrong).
   */
  'backup.targetAdd': { params: { name: string; repository: string; password?: string }; result: { target: BackupTargetInfo; password?: string; created: boolean } };
  'backup.targetList': { params: Record<string, never>; result: { targets: BackupTargetInfo[] } };
  /** Forget a target and its password; the repository is left as it is. */
  'backup.targetRemove': { params: { name: string }; result: { name: string } };
  /** Back a service up into a target; progress as `backup.progress` events. */
  'backup.create': { params: { id: string; target: string }; result: BackupSummary };
  /** Snapshots of hearth services, in one target or all, of one service or all; oldest first. */
  'backup.list': { params: { id?: string; target?: string }; result: { snapshots: SnapshotSummary[] } };
  /**
   * Restore a service from a snapshot (the latest of the service in `target`, or in any target, by
   * default): into a fresh install from the snapshot's package archive, or over the installed
   * service's data (`overwrite` required); then started and waited for.
   */
  'backup.restore': { params: { id: string; snapshot?: string; target?: string; overwrite?: boolean; allowUntrusted?: boolean }; result: RestoreSummary };
  /** Check targets' repositories (`readData`: every byte, slow). */
  'backup.verify': { params: { target?: string; readData?: boolean }; result: { targets: { name: string; ok: boolean; error?: string; code?: string }[] } };
  /** Require a successful backup into `target` before every update of an installed service; no target: off. */
  'backup.requireBeforeUpdate': { params: { target?: string }; result: { target: string | null } };
  /** Schedule backups of `service` (`*`: every installed one) by `everySeconds` or `cron`; neither: the schedule is removed. */
  'backup.scheduleSet': { params: { service: string; everySeconds?: number; cron?: string; target?: string; keep?: number }; result: { schedules: BackupScheduleInfo[] } };
  'backup.scheduleList': { params: Record<string, never>; result: { schedules: BackupScheduleInfo[]; requireBeforeUpdate: string | null } };
}

/** `starting`: an update of a running service waits for the new version to be ready (or rolls back). */
export type InstallPhase = 'downloading' | 'copying' | 'verifying' | 'committing' | 'starting' | 'done';

/** What `events.subscribe` delivers, as `event` notifications. */
export type HostEvent =
  | { type: 'backup.scheduled'; id: string; target: string; ok: boolean; snapshot?: string; error?: string }
  | { type: 'service.status'; status: ServiceStatus }
  | { type: 'install.progress'; path: string; phase: InstallPhase; bytes: number; totalBytes: number }
  | { type: 'package.installed'; id: string; version: string }
  | { type: 'package.uninstalled'; id: string; purged: boolean }
  | { type: 'backup.progress'; id: string; target: string; operation: 'backup' | 'restore'; phase: BackupPhase; bytes: number; totalBytes: number };

/** Notifications hearthd sends to a client. */
export interface HostNotifications {
  'service.log': { id: string; entry: LogEntry };
  'service.execOutput': ExecOutput;
  event: HostEvent;
}

export type HostMethodName = keyof HostMethods;
/** hearthd's exit code after `server.restart` (EX_TEMPFAIL): a supervisor restarts it (systemd `Restart=on-failure`). */
export const HEARTHD_RESTART_EXIT_CODE = 75;

export const HOST_METHODS: readonly HostMethodName[] = [
  'server.info',
  'server.restart',
  'package.install',
  'package.uninstall',
  'package.list',
  'package.info',
  'service.start',
  'service.stop',
  'service.startAll',
  'service.status',
  'service.stats',
  'service.logs',
  'service.restart',
  'service.exec',
  'service.put',
  'service.fetch',
  'action.list',
  'action.run',
  'trust.add',
  'trust.list',
  'trust.remove',
  'network.rules',
  'service.setOutbound',
  'server.ca',
  'config.get',
  'config.set',
  'secret.list',
  'secret.set',
  'secret.rotate',
  'events.subscribe',
  'backup.targetAdd',
  'backup.targetList',
  'backup.targetRemove',
  'backup.create',
  'backup.list',
  'backup.restore',
  'backup.verify',
  'backup.requireBeforeUpdate',
  'backup.scheduleSet',
  'backup.scheduleList',
  'registry.add',
  'registry.list',
  'registry.remove',
  'registry.search',
  'registry.plan',
  'registry.install',
  'registry.updates',
  'registry.update',
];
