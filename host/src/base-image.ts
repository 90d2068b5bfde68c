import { mkdir, rmdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { errorMessage } from '@hearth/sdk/contract';
import type { Logger } from './log.js';
import { mountPoints, mountSquashfs, mountsUnder, unmount } from './system/mounts.js';

/**
 * The shared base rootfs, mounted read-only once for all containers. The mount point is named after
 * the image file (which is named after its digest), so a rebuilt base gets a fresh mount.
 */
export async function mountBase(baseMountDir: string, image: string, logger: Logger): Promise<{ path: string; release: () => Promise<void> }> {
  const path = join(baseMountDir, basename(image, '.squashfs'));
  await mkdir(path, { recursive: true, mode: 0o755 });
  if (!(await mountPoints()).includes(path)) await mountSquashfs(image, path);
  // Bases an earlier hearthd mounted (a rebuilt base, or one killed before it unmounted): gone once
  // no container runs on them; a container adopted from then keeps its own until the next boot.
  for (const old of (await mountsUnder(baseMountDir)).filter((m) => m !== path && m !== baseMountDir)) {
    try {
      await unmount(old);
      await rmdir(old);
      logger.info('unmounted an earlier base', { mount: old });
    } catch (error) {
      logger.info('an earlier base is still in use', { mount: old, error: errorMessage(error) });
    }
  }
  return { path, release: () => unmount(path) };
}
