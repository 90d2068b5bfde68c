import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { HearthError } from '@hearth/sdk/contract';

export const LXC_START_TIMEOUT_MS = 30_000;
export const LXC_STOP_TIMEOUT_S = 15;
export const LXC_INFO_TIMEOUT_MS = 10_000;

export interface LxcTarget {
  lxcPath: string;
  name: string;
}

export async function lxcStart(target: LxcTarget, configFile: string): Promise<void> {
  const result = await execa('lxc-start', ['-P', target.lxcPath, '-n', target.name, '-f', configFile, '-d'], {
    timeout: LXC_START_TIMEOUT_MS,
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new HearthError('CONTAINER_FAILED', `lxc-start of ${target.name} failed: ${result.stderr || result.stdout}`.trim(), {
      hint: 'run `bash scripts/setup.sh` to install lxc and configure /etc/subuid; see the lxc log in the data dir',
      details: { exitCode: result.exitCode },
    });
  }
}

/** Pid (on the host) of the container's init, or null when it is not running. */
export async function lxcInitPid(target: LxcTarget): Promise<number | null> {
  const result = await execa('lxc-info', ['-P', target.lxcPath, '-n', target.name, '-p', '-H'], {
    timeout: LXC_INFO_TIMEOUT_MS,
    reject: false,
  });
  const pid = Number.parseInt(result.stdout.trim(), 10);
  return result.exitCode === 0 && Number.isInteger(pid) && pid > 0 ? pid : null;
}


/** lxc-stop's exit code for a container that is not running (lxc_stop.c). */
const LXC_STOP_NOT_RUNNING = 2;

/**
 * Stop: SIGTERM to init (forwarded to the runtime), SIGKILL after the timeout; not `graceful`:
 * SIGKILL at once. Idempotent. lxc-stop returns once the container is stopped, or says it was not
 * running: lxc-info is asked only when it failed otherwise (each call is a process, and a stop is
 * on every restart's path).
 */
export async function lxcStop(target: LxcTarget, graceful = true): Promise<void> {
  const result = await execa('lxc-stop', ['-P', target.lxcPath, '-n', target.name, ...(graceful ? ['-t', String(LXC_STOP_TIMEOUT_S)] : ['-k'])], {
    timeout: (LXC_STOP_TIMEOUT_S + 15) * 1000,
    reject: false,
  });
  if (result.exitCode === 0 || result.exitCode === LXC_STOP_NOT_RUNNING) return;
  if ((await lxcInitPid(target)) !== null) {
    await execa('lxc-stop', ['-P', target.lxcPath, '-n', target.name, '-k'], { timeout: LXC_INFO_TIMEOUT_MS, reject: false });
  }
  if ((await lxcInitPid(target)) !== null) {
    throw new HearthError('CONTAINER_FAILED', `container ${target.name} did not stop`, { details: { stderr: result.stderr } });
  }
}

/**
 * Kill at once (SIGKILL to every process), for a container whose runtime is stuck: lxc-stop's
 * SIGTERM would be forwarded to a runtime that cannot handle it, and waited on for nothing.
 * Idempotent; a container still running after it is left to lxcStop (the cleanup step that follows).
 */
export async function lxcKill(target: LxcTarget): Promise<void> {
  await execa('lxc-stop', ['-P', target.lxcPath, '-n', target.name, '-k'], { timeout: LXC_INFO_TIMEOUT_MS, reject: false });
}

export const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * LXC's monitor cannot remove its own cgroup on exit (it is still inside it), so every start
 * leaves an empty `lxc.monitor.<name>[-N]` per controller behind. Remove them once the container
 * is stopped; a cgroup with processes in it is refused by the kernel and kept.
 */
export async function removeMonitorCgroups(name: string, root = CGROUP_ROOT): Promise<string[]> {
  const pattern = new RegExp(`^lxc\\.monitor\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(-\\d+)?$`);
  const removed: string[] = [];
  for (const controller of await readdir(root).catch(() => [])) {
    const dirs = await readdir(join(root, controller)).catch(() => []);
    for (const dir of dirs.filter((d) => pattern.test(d))) {
      try {
        await rmdir(join(root, controller, dir));
        removed.push(join(controller, dir));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
      }
    }
  }
  return removed;
}
