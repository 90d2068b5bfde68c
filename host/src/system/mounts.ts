import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { HearthError } from '@hearth/sdk/contract';
import { MOUNT_TIMEOUT_MS, pointsUnder, readMountTable } from '@hearth/sdk/system';

export { MOUNT_TIMEOUT_MS };

/** Tries of a loop mount that lost the race for a free loop device. */
export const LOOP_MOUNT_TRIES = 5;
const LOOP_RETRY_MS = 50;

/**
 * `mount -o loop,…`: two loop mounts at once (a service's images and its scratch disk, or two
 * services starting) can pick the same free loop device, and the loser fails to set it up; it
 * tries again with another.
 */
export async function mountLoop(type: string, options: string[], source: string, target: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const result = await execa('mount', ['-t', type, '-o', ['loop', ...options].join(','), source, target], { timeout: MOUNT_TIMEOUT_MS, reject: false });
    if (result.exitCode === 0) return;
    if (attempt >= LOOP_MOUNT_TRIES || !result.stderr.includes('failed to setup loop device')) {
      throw new HearthError('CONTAINER_FAILED', `mount of ${source} at ${target} failed: ${result.stderr || result.shortMessage}`, {
        hint: 'check that the kernel has squashfs and loop support and free loop devices (losetup -f); see ENVIRONMENT.md',
        details: { source, target, type, exitCode: result.exitCode },
      });
    }
    await sleep(LOOP_RETRY_MS * attempt);
  }
}

/** Mount a squashfs read-only, optionally from a byte range of a larger file (an image inside an .hpk). */
export async function mountSquashfs(source: string, target: string, range?: { offset: number; size: number }): Promise<void> {
  const options = ['ro', 'nodev', 'nosuid'];
  if (range) options.push(`offset=${range.offset}`, `sizelimit=${range.size}`);
  await mountLoop('squashfs', options, source, target);
}

/** Unmount; a target that is not mounted is fine (idempotent cleanup). */
export async function unmount(target: string): Promise<void> {
  if (!(await mountPoints()).includes(target)) return;
  await execa('umount', [target], { timeout: MOUNT_TIMEOUT_MS });
}

/** Every mount point in this mount namespace, from /proc/self/mountinfo. */
export async function mountPoints(): Promise<string[]> {
  return (await readMountTable()).map((m) => m.point);
}

/**
 * Make `dir` a `nosuid,nodev` bind mount of itself, unless the topmost mount there already is one.
 * Every bind made from below it (LXC's binds into containers) copies those flags: LXC applies the
 * flags of an `lxc.mount.entry` only when it also makes it read-only. Returns whether it mounted.
 */
export async function bindNosuid(dir: string): Promise<boolean> {
  const top = (await readMountTable()).filter((m) => m.point === dir).at(-1);
  if (top !== undefined && top.options.includes('nosuid') && top.options.includes('nodev')) return false;
  await execa('mount', ['--bind', dir, dir], { timeout: MOUNT_TIMEOUT_MS });
  await execa('mount', ['-o', 'remount,bind,nosuid,nodev', dir], { timeout: MOUNT_TIMEOUT_MS });
  return true;
}

/** Mount points at or below `prefix`, deepest first (the order to unmount them in). */
export async function mountsUnder(prefix: string): Promise<string[]> {
  return pointsUnder(await readMountTable(), prefix);
}
