import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

export const MOUNT_TIMEOUT_MS = 15_000;

/** Mount a squashfs read-only, optionally from a byte range of a larger file (an image inside an .hpk). */
export async function mountSquashfs(source: string, target: string, range?: { offset: number; size: number }): Promise<void> {
  const options = ['loop', 'ro', 'nodev', 'nosuid'];
  if (range) options.push(`offset=${range.offset}`, `sizelimit=${range.size}`);
  await execa('mount', ['-t', 'squashfs', '-o', options.join(','), source, target], { timeout: MOUNT_TIMEOUT_MS });
}

/** Unmount; a target that is not mounted is fine (idempotent cleanup). */
export async function unmount(target: string): Promise<void> {
  if (!(await mountPoints()).includes(target)) return;
  await execa('umount', [target], { timeout: MOUNT_TIMEOUT_MS });
}

function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

async function mountInfo(): Promise<{ point: string; options: string[] }[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const fields = line.split(' ');
      return { point: unescapeMountPath(fields[4] ?? ''), options: (fields[5] ?? '').split(',') };
    });
}

/** Every mount point in this mount namespace, from /proc/self/mountinfo. */
export async function mountPoints(): Promise<string[]> {
  return (await mountInfo()).map((m) => m.point);
}

/**
 * Make `dir` a `nosuid,nodev` bind mount of itself, unless the topmost mount there already is one.
 * Every bind made from below it (LXC's binds into containers) copies those flags: LXC applies the
 * flags of an `lxc.mount.entry` only when it also makes it read-only. Returns whether it mounted.
 */
export async function bindNosuid(dir: string): Promise<boolean> {
  const top = (await mountInfo()).filter((m) => m.point === dir).at(-1);
  if (top !== undefined && top.options.includes('nosuid') && top.options.includes('nodev')) return false;
  await execa('mount', ['--bind', dir, dir], { timeout: MOUNT_TIMEOUT_MS });
  await execa('mount', ['-o', 'remount,bind,nosuid,nodev', dir], { timeout: MOUNT_TIMEOUT_MS });
  return true;
}

/** Mount points at or below `prefix`, deepest first (the order to unmount them in). */
export async function mountsUnder(prefix: string): Promise<string[]> {
  const all = await mountPoints();
  return all.filter((m) => m === prefix || m.startsWith(`${prefix}/`)).sort((a, b) => b.length - a.length);
}
