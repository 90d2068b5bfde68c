import { open } from 'node:fs/promises';
import { execa } from 'execa';
import { mountLoop } from './mounts.js';

export const MKFS_TIMEOUT_MS = 30_000;

/**
 * A service's scratch disk: a sparse ext4 image of `sizeBytes`, loop-mounted `nosuid,nodev` at
 * `mountPoint`, its root owned by container root (`owner`). The daemons' writable layers live on
 * it, so a runaway write ends in ENOSPC inside the container instead of filling the host's disk,
 * and the image only takes the blocks actually written. No journal: it is thrown away at stop.
 */
export async function makeScratch(image: string, mountPoint: string, sizeBytes: number, owner: number): Promise<void> {
  const file = await open(image, 'wx', 0o600);
  try {
    await file.truncate(sizeBytes);
  } finally {
    await file.close();
  }
  await execa('mkfs.ext4', ['-q', '-F', '-O', '^has_journal', '-E', `root_owner=${owner}:${owner},nodiscard`, '-m', '0', image], { timeout: MKFS_TIMEOUT_MS });
  await mountLoop('ext4', ['nosuid', 'nodev', 'noatime'], image, mountPoint);
}
