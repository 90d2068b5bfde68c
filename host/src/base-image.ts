import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { mountPoints, mountSquashfs, unmount } from './system/mounts.js';

/**
 * The shared base rootfs, mounted read-only once for all containers. The mount point is named after
 * the image file (which is named after its digest), so a rebuilt base gets a fresh mount.
 */
export async function mountBase(baseMountDir: string, image: string): Promise<{ path: string; release: () => Promise<void> }> {
  const path = join(baseMountDir, basename(image, '.squashfs'));
  await mkdir(path, { recursive: true, mode: 0o755 });
  if (!(await mountPoints()).includes(path)) await mountSquashfs(image, path);
  return { path, release: () => unmount(path) };
}
