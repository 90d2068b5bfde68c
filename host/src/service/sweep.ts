import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '@hearth/sdk/contract';
import type { Logger } from '../log.js';
import { containerName, type Layout } from '../layout.js';
import { lxcInitPid, lxcStop, removeMonitorCgroups } from '../system/lxc.js';
import { mountsUnder, unmount } from '../system/mounts.js';
import type { ServiceRecord, StateStore } from '../store/state.js';
import { LEGACY_PACKAGE_FILES } from '../store/install.js';
import type { ServiceManager } from './manager.js';

/**
 * hearthd's boot: containers an earlier hearthd left running are adopted when their service
 * should run; everything else it left (containers, image mounts, run dirs, half-done installs) is
 * undone, each finding logged; then services that should run and are not running are started,
 * and updates it was killed in are finished or rolled back, in the background.
 */
export async function recoverAtBoot(manager: ServiceManager, state: StateStore, layout: Layout, logger: Logger): Promise<void> {
  const adopted = new Set<string>();
  for (const [id, record] of Object.entries(state.state.services)) {
    const pid = await lxcInitPid({ lxcPath: layout.lxcDir, name: containerName(id) });
    if (pid !== null && record.desired === 'running' && (await manager.adopt(id, pid))) adopted.add(id);
  }
  await sweepLeftovers(layout, new Map(Object.entries(state.state.services)), adopted, logger);
  const wanted: string[] = [];
  for (const [id, record] of Object.entries(state.state.services)) {
    if (record.previous !== undefined) {
      manager.resumeUpdate(id).catch((error: unknown) => logger.error('the interrupted update failed', { service: id, code: (error as { code?: unknown }).code, error: errorMessage(error) }));
      continue;
    }
    if (record.desired === 'running' && !adopted.has(id)) wanted.push(id);
  }
  // Together up to the machine's bound, dependencies first; `hearth ls` shows the progress meanwhile.
  if (wanted.length > 0) manager.bulk.startAll(wanted).catch((error: unknown) => logger.error('autostart failed', { error: errorMessage(error) }));
}

/**
 * Installs an earlier hearthd left half-done in tmp/. Called before the control socket listens: an
 * install started by this hearthd stages there too, and must not be swept away under it.
 */
export async function clearStaging(layout: Layout, logger: Logger): Promise<void> {
  const staged = await readdir(layout.tmpDir).catch(() => [] as string[]);
  if (staged.length > 0) logger.warn('removing half-done installs', { entries: staged });
  await rm(layout.tmpDir, { recursive: true, force: true });
}

/** Stop what an earlier hearthd left of service `id`: its container, monitor cgroups and mounts. */
export async function stopLeftover(layout: Layout, id: string, logger: Logger): Promise<void> {
  const target = { lxcPath: layout.lxcDir, name: containerName(id) };
  if ((await lxcInitPid(target)) !== null) {
    logger.warn('stopping a leftover container', { service: id });
    await lxcStop(target).catch((error: unknown) => logger.warn('could not stop leftover container', { service: id, error: String(error) }));
  }
  const cgroups = await removeMonitorCgroups(target.name);
  if (cgroups.length > 0) logger.warn('removed leftover monitor cgroups', { service: id, cgroups });
  for (const mount of await mountsUnder(join(layout.runDir, id))) {
    logger.warn('unmounting a leftover mount', { mount });
    await unmount(mount);
  }
}

/** Names under packages/<id>/ that belong to a recorded version: its dir, and an update's previous one's (until it settles). */
function recordedVersionNames(record: ServiceRecord): Set<string> | null {
  // An install from before versioned dirs has its files in packages/<id>/ itself: leave that alone.
  if (record.installDir === undefined) return null;
  const previous = record.previous === undefined ? [] : record.previous.installDir === undefined ? LEGACY_PACKAGE_FILES : [record.previous.installDir];
  return new Set([record.installDir, ...previous]);
}

async function sweepLeftovers(layout: Layout, records: ReadonlyMap<string, ServiceRecord>, keep: ReadonlySet<string>, logger: Logger): Promise<void> {
  const serviceIds = [...records.keys()];
  const runDirs = await readdir(layout.runDir).catch(() => [] as string[]);
  for (const id of new Set([...serviceIds, ...runDirs])) {
    if (!keep.has(id)) await stopLeftover(layout, id, logger);
  }
  for (const dir of runDirs.filter((d) => !keep.has(d))) {
    logger.warn('removing a leftover run dir', { dir: join(layout.runDir, dir) });
    await rm(join(layout.runDir, dir), { recursive: true, force: true });
  }
  // A package renamed into place by an install that died before recording it is not installed.
  for (const dir of await readdir(layout.packagesDir).catch(() => [] as string[])) {
    if (!serviceIds.includes(dir)) {
      logger.warn('removing a package an interrupted install left unrecorded', { service: dir });
      await rm(join(layout.packagesDir, dir), { recursive: true, force: true });
      continue;
    }
    // Versions beside the recorded ones: an interrupted update's uncommitted new one, or a settled update's old one.
    const record = records.get(dir);
    const recorded = record && recordedVersionNames(record);
    if (!recorded) continue;
    for (const version of await readdir(join(layout.packagesDir, dir))) {
      if (recorded.has(version)) continue;
      logger.warn('removing an unrecorded version an interrupted update left', { service: dir, dir: version });
      await rm(join(layout.packagesDir, dir, version), { recursive: true, force: true });
    }
  }
}
