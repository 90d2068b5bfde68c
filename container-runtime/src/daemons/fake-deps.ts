import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonSpec } from '@hearth/sdk/contract';
import type { DaemonDeps, OwnCgroup } from './deps.js';
import type { Exit, RunningProcess } from './process.js';
import type { ProvisionRequest } from '../files/place.js';

/** A daemon's life without mounts, cgroups or processes: what the fakes were asked, for tests. */
export interface FakeSystem {
  deps: DaemonDeps;
  /** Where fake roots, /run and volumes live. */
  dir: string;
  cgroupsRemoved: string[];
  unmounted: string[];
  /** What each daemon's provision was given, in order. */
  provisioned: ProvisionRequest[];
  /** Daemons whose spawn throws. */
  failSpawn: Set<string>;
  /** End a fake process with this exit. */
  exit(daemonId: string, exit?: Partial<Exit>): void;
  cleanup(): Promise<void>;
}

export function spec(id: string, overrides: Partial<DaemonSpec> = {}): DaemonSpec {
  return {
    id,
    kind: 'daemon',
    image: 'main',
    command: ['true'],
    env: {},
    user: null,
    workdir: null,
    mounts: [],
    requires: [],
    ready: null,
    live: null,
    restart: { mode: 'never', initialDelayMs: 1, maxDelayMs: 1, resetAfterMs: 1, maxCrashes: 1, windowMs: 1 },
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 1,
    stopWhenRequirementsLost: false,
    secrets: [],
    files: [],
    ...overrides,
  };
}

export async function fakeSystem(): Promise<FakeSystem> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-daemon-'));
  await mkdir(join(dir, 'run'));
  const exits = new Map<string, (exit: Exit) => void>();
  let pids = 4242; // each run its own pid, so a test sees which daemons were restarted
  const system: FakeSystem = {
    dir,
    cgroupsRemoved: [],
    unmounted: [],
    failSpawn: new Set(),
    provisioned: [],
    exit: (daemonId, exit = {}) => exits.get(daemonId)?.({ code: 0, signal: null, at: Date.now(), ...exit }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
    deps: {
      async mountRoot(options) {
        const scratch = join(dir, 'scratch', options.daemonId);
        await mkdir(join(scratch, 'root', 'etc'), { recursive: true });
        await writeFile(join(scratch, 'root', 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
        return { dir: scratch, root: join(scratch, 'root'), unmount: () => Promise.resolve(void system.unmounted.push(options.daemonId)) };
      },
      createCgroup(daemonId) {
        const cgroup: OwnCgroup = {
          memoryDir: join(dir, 'cgroup', daemonId),
          procsFiles: [],
          killAll: () => Promise.resolve({ killed: 0, left: [], frozen: false }),
          usage: () => Promise.resolve({ memoryBytes: 0, pids: 0, cpuSeconds: 0 }),
          remove: () => {
            system.cgroupsRemoved.push(daemonId);
            return Promise.resolve([]);
          },
        };
        return Promise.resolve(cgroup);
      },
      provision(request) {
        system.provisioned.push(request);
        return Promise.resolve();
      },
      spawn(request) {
        const id = request.pipeDir.split('/').at(-1) ?? '';
        if (system.failSpawn.has(id)) return Promise.reject(new Error(`cannot spawn ${id}`));
        const exited = new Promise<Exit>((resolve) => exits.set(id, resolve));
        const proc: RunningProcess = { pid: (pids += 1), startedAt: Date.now(), exited, signal: (signal) => system.exit(id, { code: null, signal }) };
        return Promise.resolve(proc);
      },
    },
  };
  return system;
}
