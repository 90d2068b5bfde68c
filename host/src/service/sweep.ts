import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { containerName, type Layout } from '../layout.js';
import { lxcStop, removeMonitorCgroups } from '../system/lxc.js';
import { mountsUnder, unmount } from '../system/mounts.js';

/**
 * At boot, undo what a previous hearthd left behind when it died: containers still running,
 * image mounts, run dirs, half-done installs in tmp. Each finding is logged.
 */
export async function sweepLeftovers(layout: Layout, serviceIds: string[], logger: Logger): Promise<void> {
  let runDirs: string[] = [];
  try {
    runDirs = await readdir(layout.runDir);
  } catch {
    runDirs = [];
  }
  for (const id of new Set([...serviceIds, ...runDirs])) {
    const target = { lxcPath: layout.lxcDir, name: containerName(id) };
    await lxcStop(target).catch((error: unknown) => logger.warn('could not stop leftover container', { service: id, error: String(error) }));
    const cgroups = await removeMonitorCgroups(target.name);
    if (cgroups.length > 0) logger.warn('removed leftover monitor cgroups', { service: id, cgroups });
  }
  for (const mount of await mountsUnder(layout.runDir)) {
    logger.warn('unmounting leftover mount', { mount });
    await unmount(mount);
  }
  for (const dir of runDirs) {
    logger.warn('removing leftover run dir', { dir: join(layout.runDir, dir) });
    await rm(join(layout.runDir, dir), { recursive: true, force: true });
  }
  await rm(layout.tmpDir, { recursive: true, force: true });
}
