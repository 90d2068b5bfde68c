import { execa } from 'execa';
import { HearthError } from '../../errors.js';

export const MKSQUASHFS_TIMEOUT_MS = 30 * 60_000;
export const UNSQUASHFS_TIMEOUT_MS = 30 * 60_000;

/**
 * The time every file, directory and the filesystem itself carry: `SOURCE_DATE_EPOCH` when the
 * build sets one (reproducible-builds.org), else 0. Build scripts touch files at different times;
 * a fixed time is what makes the same sources give the same bytes.
 */
export function imageEpoch(env: NodeJS.ProcessEnv = process.env): number {
  const value = env['SOURCE_DATE_EPOCH'];
  return value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : 0;
}

/** Pack `root` into a squashfs; `allRoot` when owners were not kept (every file root's). */
export async function mksquashfs(root: string, out: string, allRoot: boolean): Promise<void> {
  const epoch = String(imageEpoch());
  const times = ['-mkfs-time', epoch, '-all-time', epoch];
  const args = [root, out, '-noappend', ...(allRoot ? ['-all-root'] : []), ...times, '-comp', 'zstd', '-Xcompression-level', '3', '-no-progress', '-quiet'];
  const result = await execa('mksquashfs', args, { timeout: MKSQUASHFS_TIMEOUT_MS, reject: false });
  if (result.exitCode !== 0) {
    throw new HearthError('PACK_FAILED', `mksquashfs ${root} failed: ${result.stderr || result.shortMessage}`, {
      hint: 'install squashfs-tools (apt-get install squashfs-tools); check the free space of the package folder and of /tmp',
    });
  }
}

/** Unpack a squashfs into `dest` (which must not exist), owners and xattrs kept when run as root. */
export async function unsquashfs(image: string, dest: string): Promise<void> {
  const result = await execa('unsquashfs', ['-d', dest, '-no-progress', '-quiet', image], { timeout: UNSQUASHFS_TIMEOUT_MS, reject: false });
  if (result.exitCode !== 0) {
    throw new HearthError('PACK_FAILED', `unsquashfs ${image} failed: ${result.stderr || result.shortMessage}`, {
      hint: 'install squashfs-tools; if the cached base is damaged, pack with --no-cache',
    });
  }
}
