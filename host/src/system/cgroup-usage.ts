import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { memoryLimitOf } from '@hearth/sdk/system';
import { CGROUP_ROOT } from './lxc.js';

/** What a container uses now, from its cgroup: the numbers `podman stats` shows. */
export interface CgroupUsage {
  memoryBytes: number;
  /** null: no limit. */
  memoryLimitBytes: number | null;
  pids: number;
  pidsLimit: number | null;
  /** CPU time used since the container started. */
  cpuSeconds: number;
}

/** controller → path of the process's cgroup, from /proc/<pid>/cgroup; the v2 hierarchy under ''. */
export function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers === undefined || path === undefined) continue;
    for (const controller of controllers.split(',')) paths.set(controller, path);
  }
  return paths;
}

async function readNumber(file: string): Promise<number | null> {
  const text = (await readFile(file, 'utf8').catch(() => '')).trim();
  return /^\d+$/.test(text) ? Number(text) : null;
}

/**
 * The usage of the cgroup `pid` is in (a container's init: its cgroup holds every process of the
 * container). cgroup v1 controllers where the machine has them, else the v2 hierarchy. Null when
 * the process is gone.
 */
export async function cgroupUsage(pid: number, root = CGROUP_ROOT, proc = '/proc'): Promise<CgroupUsage | null> {
  const text = await readFile(join(proc, String(pid), 'cgroup'), 'utf8').catch(() => null);
  if (text === null) return null;
  const paths = parseProcCgroup(text);
  const memory = paths.get('memory');
  if (memory !== undefined) {
    const dir = (controller: string): string => join(root, controller, paths.get(controller) ?? '/');
    const limit = await readNumber(join(dir('memory'), 'memory.limit_in_bytes'));
    const cpuNs = (await readNumber(join(dir('cpuacct'), 'cpuacct.usage'))) ?? 0;
    return {
      memoryBytes: (await readNumber(join(dir('memory'), 'memory.usage_in_bytes'))) ?? 0,
      memoryLimitBytes: memoryLimitOf(limit),
      pids: (await readNumber(join(dir('pids'), 'pids.current'))) ?? 0,
      pidsLimit: await readNumber(join(dir('pids'), 'pids.max')),
      cpuSeconds: cpuNs / 1e9,
    };
  }
  const unified = join(root, paths.get('') ?? '/');
  const cpuStat = await readFile(join(unified, 'cpu.stat'), 'utf8').catch(() => '');
  const usec = Number(/^usage_usec (\d+)$/m.exec(cpuStat)?.[1] ?? 0);
  return {
    memoryBytes: (await readNumber(join(unified, 'memory.current'))) ?? 0,
    memoryLimitBytes: await readNumber(join(unified, 'memory.max')),
    pids: (await readNumber(join(unified, 'pids.current'))) ?? 0,
    pidsLimit: await readNumber(join(unified, 'pids.max')),
    cpuSeconds: usec / 1e6,
  };
}
