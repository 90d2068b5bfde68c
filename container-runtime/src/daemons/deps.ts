import { DaemonRoot, type RootOptions } from '../mounts/daemon-root.js';
import { DaemonCgroup } from './cgroup.js';
import { spawnChrooted, type RunningProcess, type SpawnRequest } from './process.js';
import type { KillResult } from './cgroup-kill.js';
import type { DaemonUsage } from '@hearth/sdk/contract';

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
}

export const realDaemonDeps = (): DaemonDeps => ({
  mountRoot: (options) => DaemonRoot.mount(options),
  createCgroup: (daemonId) => DaemonCgroup.create(daemonId),
  spawn: (request) => spawnChrooted(request),
});
