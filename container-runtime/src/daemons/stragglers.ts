import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export const STRAGGLER_GRACE_MS = 2_000;
const POLL_MS = 50;

/** True inside a hearth container: PID 1 is init.lxc, so every other process in /proc is ours. */
async function inContainer(): Promise<boolean> {
  const cmdline = await readFile('/proc/1/cmdline', 'utf8').catch(() => '');
  return cmdline.split('\0')[0]?.endsWith('init.lxc') ?? false;
}

async function others(): Promise<number[]> {
  const entries = await readdir('/proc');
  return entries.filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => pid !== 1 && pid !== process.pid);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already, or a zombie init.lxc is about to reap
  }
}

/**
 * The last sweep at runtime stop. Each daemon's own cgroup is emptied when its run ends
 * (cgroup-kill.ts), so what is left here is outside every daemon's cgroup: orphans of a daemon
 * that has none (no cgroup v1 in the container), or a process that moved itself out (a daemon
 * running as root can write its cgroup files). They would keep the container alive: SIGTERM them,
 * SIGKILL what is left after a grace period. Returns how many there were.
 */
export async function killStragglers(graceMs = STRAGGLER_GRACE_MS): Promise<number> {
  if (!(await inContainer())) return 0;
  const found = await others();
  for (const pid of found) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while ((await others()).length > 0 && Date.now() < deadline) await sleep(POLL_MS);
  for (const pid of await others()) signal(pid, 'SIGKILL');
  return found.length;
}
