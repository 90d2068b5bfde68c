import { DaemonRoot, type RootOptions } from '../mounts/daemon-root.js';
import { DaemonCgroup } from './cgroup.js';
import { spawnChrooted, type RunningProcess, type SpawnRequest } from './process.js';
import type { KillResult } from './cgroup-kill.js';
import type { CheckFunction, DaemonSpec, DaemonStatus, DaemonUsage, LogEntry } from '@hearth/sdk/contract';
import type { RuntimePaths } from '../paths.js';
import type { NetworkIdentity } from '../mounts/host-files.js';
import type { Logger } from '@hearth/sdk/system';
import { provision, type ProvisionRequest } from '../files/place.js';
import type { DaemonInputs } from './inputs.js';

export interface DaemonEvents {
  onStatus(status: DaemonStatus): void;
  onLog(entry: LogEntry): void;
}

/** What every daemon of a service shares (`deps`: what it does to the system). */
export interface DaemonContext {
  paths: RuntimePaths;
  /** What /etc/hosts, /etc/hostname and /etc/resolv.conf say in its root. */
  identity: NetworkIdentity;
  checkFunction(ref: string): CheckFunction | undefined;
  /** Its rendered files and secret values for the service's current config (none when absent). */
  inputs?(spec: DaemonSpec): Promise<DaemonInputs>;
  deps: DaemonDeps;
}

export interface ExecRequest {
  command: string[];
  env: Record<string, string>;
  timeoutMs: number;
  /** `uid[:gid]` or user[:group] of the image; the daemon's own user when absent. */
  user?: string;
}

/** A daemon's mounted root as its life needs it. */
export interface MountedRoot {
  /** Its scratch dir (pipes are made there). */
  readonly dir: string;
  /** Where it is chrooted. */
  readonly root: string;
  unmount(): Promise<void>;
}

/** A daemon's own cgroup as its life needs it. */
export interface OwnCgroup {
  readonly memoryDir: string;
  readonly procsFiles: string[];
  killAll(): Promise<KillResult>;
  usage(): Promise<Omit<DaemonUsage, 'id'>>;
  /** What could not be removed (still has processes). */
  remove(): Promise<string[]>;
}

/** What a daemon does to the system, passed in so its life is tested with fakes. */
export interface DaemonDeps {
  mountRoot(options: RootOptions): Promise<MountedRoot>;
  createCgroup(daemonId: string): Promise<OwnCgroup>;
  spawn(request: SpawnRequest): Promise<RunningProcess>;
  /** Its secrets tmpfs and rendered files, in its mounted root before it runs. */
  provision(request: ProvisionRequest): Promise<void>;
}

export const realDaemonDeps = (): DaemonDeps => ({
  mountRoot: (options) => DaemonRoot.mount(options),
  createCgroup: (daemonId) => DaemonCgroup.create(daemonId),
  spawn: (request) => spawnChrooted(request),
  provision: (request) => provision(request),
});

/**
 * When a run ends (exit, crash, liveness kill, stop), nothing it started outlives it: everything
 * in the daemon's cgroup is SIGKILLed (workers that left the process group with setsid, orphans,
 * and `hearth exec` commands, which join the same cgroups: Kubernetes kills those with the
 * container too). So a restart finds its port free and its pids budget back. Without a cgroup of
 * its own, the process group is all that can be found.
 */
export async function killLeftovers(cgroup: OwnCgroup | null, proc: RunningProcess | null, logger: Logger): Promise<void> {
  if (cgroup === null) {
    proc?.signal('SIGKILL');
    return;
  }
  const result = await cgroup.killAll();
  if (result.killed > 0) logger.info('killed what the run left in its cgroup', { count: result.killed, frozen: result.frozen });
  if (result.left.length > 0) logger.warn('processes of the daemon would not die', { pids: result.left });
}
