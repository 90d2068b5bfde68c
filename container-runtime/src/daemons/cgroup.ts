import { mkdir, readFile, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DaemonUsage } from '@hearth/sdk/contract';
import { killCgroup, realKillSystem, type KillResult, type KillSystem } from './cgroup-kill.js';

/** The container's own cgroup v1 hierarchies, writable inside with `cgroup:mixed`. */
export const CGROUP_ROOT = '/sys/fs/cgroup';
/** The controllers a daemon gets a cgroup of its own in: what `hearth stats` shows per daemon. */
export const DAEMON_CONTROLLERS = ['memory', 'pids', 'cpuacct'] as const;
/** Used, where the container has it, to stop a daemon's processes from forking while they are killed. */
export const FREEZER = 'freezer';

async function readNumber(file: string): Promise<number> {
  const text = (await readFile(file, 'utf8').catch(() => '')).trim();
  return /^\d+$/.test(text) ? Number(text) : 0;
}

/**
 * A child cgroup of the container's per daemon, for accounting only: limits stay on the container,
 * so daemons share the service's memory as they would share a pod's. Processes the daemon forks
 * inherit it. Memory counts from the move on (charges do not move with a process: this kernel
 * refuses memory.move_charge_at_immigrate), which for a process moved right after spawn is nearly
 * all of it; file pages another daemon read first stay counted there.
 */
export class DaemonCgroup {
  private constructor(
    private readonly root: string,
    private readonly name: string,
    private readonly frozenBy: string | null,
  ) {}

  /**
   * Throws where it cannot be made (a cgroup v2 only host, a read-only hierarchy). The freezer
   * cgroup is made when the container has that hierarchy, and is optional.
   */
  static async create(daemonId: string, root = CGROUP_ROOT): Promise<DaemonCgroup> {
    const name = `daemon.${daemonId}`;
    const hasFreezer = await stat(join(root, FREEZER)).then((s) => s.isDirectory(), () => false);
    const freezerDir = hasFreezer ? join(root, FREEZER, name) : null;
    const made = freezerDir !== null && (await mkdir(freezerDir, { recursive: true }).then(() => true, () => false));
    const cgroup = new DaemonCgroup(root, name, made ? freezerDir : null);
    for (const controller of DAEMON_CONTROLLERS) await mkdir(cgroup.dir(controller), { recursive: true });
    return cgroup;
  }

  private dir(controller: (typeof DAEMON_CONTROLLERS)[number]): string {
    return join(this.root, controller, this.name);
  }

  /** Its freezer cgroup's directory, or null where the container has no freezer. */
  get freezerDir(): string | null {
    return this.frozenBy;
  }

  /**
   * Its memory cgroup: cgroup v1 counts an OOM kill in the victim's own cgroup only, so this is
   * where a kill of this daemon shows (oom.ts).
   */
  get memoryDir(): string {
    return this.dir('memory');
  }

  /** The files a process writes its pid to, to join: the daemon's setup does, before it execs. */
  get procsFiles(): string[] {
    const files = DAEMON_CONTROLLERS.map((controller) => join(this.dir(controller), 'cgroup.procs'));
    return this.frozenBy === null ? files : [...files, join(this.frozenBy, 'cgroup.procs')];
  }

  /** SIGKILL every process in it until it is empty (cgroup-kill.ts): when a run of the daemon ends. */
  async killAll(system: KillSystem = realKillSystem()): Promise<KillResult> {
    return await killCgroup({ procsFiles: this.procsFiles, freezerDir: this.frozenBy }, system);
  }

  async usage(): Promise<Omit<DaemonUsage, 'id'>> {
    // memory.stat, not memory.usage_in_bytes: that one is charged in per-CPU batches and reads 0
    // for a small daemon (the kernel's memory.txt says to use rss + cache for an exact figure).
    const stat = await readFile(join(this.dir('memory'), 'memory.stat'), 'utf8').catch(() => '');
    const field = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
    return {
      memoryBytes: field('total_rss') + field('total_cache'),
      pids: await readNumber(join(this.dir('pids'), 'pids.current')),
      cpuSeconds: (await readNumber(join(this.dir('cpuacct'), 'cpuacct.usage'))) / 1e9,
    };
  }

  /** Once its processes are gone. One that still has some (EBUSY) stays; the container's stop removes it. */
  async remove(): Promise<string[]> {
    const kept: string[] = [];
    for (const dir of [...DAEMON_CONTROLLERS.map((c) => this.dir(c)), ...(this.frozenBy === null ? [] : [this.frozenBy])]) {
      await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') kept.push(`${dir}: ${error.code ?? error.message}`);
      });
    }
    return kept;
  }
}
