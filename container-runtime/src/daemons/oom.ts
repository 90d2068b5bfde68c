import { readFile } from 'node:fs/promises';
import { memoryLimitOf } from '@hearth/sdk/system';

/** The container's own memory cgroup (cgroup v1, visible inside with cgroup:mixed). */
export const MEMORY_CGROUP = '/sys/fs/cgroup/memory';

/** How many processes the kernel has OOM-killed in this container so far; null when unknown. */
export async function oomKills(cgroup = MEMORY_CGROUP): Promise<number | null> {
  const text = await readFile(`${cgroup}/memory.oom_control`, 'utf8').catch(() => null);
  const match = text ? /^oom_kill (\d+)$/m.exec(text) : null;
  return match?.[1] ? Number(match[1]) : null;
}

/** The container's memory limit in MiB, or null when there is none. */
export async function memoryLimitMiB(cgroup = MEMORY_CGROUP): Promise<number | null> {
  const text = await readFile(`${cgroup}/memory.limit_in_bytes`, 'utf8').catch(() => null);
  if (text === null) return null;
  const bytes = memoryLimitOf(/^\d+$/.test(text.trim()) ? Number(text.trim()) : null);
  return bytes === null ? null : Math.round(bytes / 1024 / 1024);
}

/**
 * Reads the OOM-kill count before a run; called with the run's exit, says whether the kernel
 * killed it for memory: the limit in MiB (null: unknown), or undefined when it did not. cgroup v1
 * counts an OOM kill in the victim's own memory cgroup (the daemon's, when it has one), and a
 * SIGKILL while that count went up is the memory limit, not a crash.
 */
export async function oomProbe(cgroup: string): Promise<(exit: { signal: NodeJS.Signals | null }) => Promise<number | null | undefined>> {
  const before = await oomKills(cgroup);
  return async (exit) => {
    if (exit.signal !== 'SIGKILL' || before === null) return undefined;
    const after = await oomKills(cgroup);
    return after !== null && after > before ? await memoryLimitMiB() : undefined;
  };
}
