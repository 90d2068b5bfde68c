import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTAINER_PATHS, HearthError } from '@hearth/sdk/contract';
import { CONTAINER_ROOT_ID, ensureDir } from '../layout.js';
import { DEFAULT_IDMAP, type ContainerSpec } from '../system/lxc-config.js';
import { makeScratch } from '../system/scratch.js';
import { mountPoints, mountSquashfs, unmount } from '../system/mounts.js';
import { together, type CleanupStack } from './cleanup.js';
import type { InstalledImage, RunnerContext } from './runner.js';

/**
 * What a service's container stands on, set up step by step for ServiceRunner: its dirs, its
 * scratch filesystem, its images' mounts, and the LXC spec binding them in. Each step pushes its
 * undo on the runner's cleanup stack before it acquires anything.
 */

/** The cleanup group of the scratch filesystem's and the images' unmounts: independent, undone together once the container is gone. */
export const UNMOUNTS = 'unmounts';

/** Owners and modes as layout.ts sets them out: what the container may pass, what it owns. */
export async function prepareDirs(ctx: Pick<RunnerContext, 'paths' | 'manifest'>, cleanup: CleanupStack): Promise<void> {
  const { paths, manifest } = ctx;
  cleanup.push(() => rm(paths.runDir, { recursive: true, force: true }));
  await ensureDir(paths.runDir, 'passage');
  // Not scratchDir: once its filesystem is mounted there (an adopted container), that would be the root of it.
  for (const dir of [paths.hostDir, paths.imagesDir, paths.volumesDir]) await ensureDir(dir, 'passage');
  await ensureDir(paths.socketsDir, 'container');
  await ensureDir(paths.logsDir, 'host');
  for (const volume of manifest.volumes) await ensureDir(join(paths.volumesDir, volume), 'container');
}

/** The daemons' writable layers live on a filesystem of the service's scratch size (its disk quota). */
export async function prepareScratch(ctx: Pick<RunnerContext, 'paths' | 'manifest'>, cleanup: CleanupStack): Promise<void> {
  const { paths, manifest } = ctx;
  cleanup.push(() => unmount(paths.scratchDir), UNMOUNTS);
  await ensureDir(paths.scratchDir, 'passage');
  await makeScratch(paths.scratchImage, paths.scratchDir, manifest.resources.scratchMiB * 1024 * 1024, CONTAINER_ROOT_ID);
}

/** Mount each image out of the archive, or (adopting) check that it still is mounted. */
export async function mountImages(ctx: Pick<RunnerContext, 'paths' | 'images'>, cleanup: CleanupStack, mount: boolean): Promise<void> {
  const mounted = mount ? [] : await mountPoints();
  const mountPointOf = (image: InstalledImage): string => join(ctx.paths.imagesDir, image.id);
  // Each is undone whatever happens to the others, all at once (each is its own umount(8), and
  // stop waits for them); unmounting what is not mounted is a no-op.
  cleanup.push(() => together(ctx.images.map((image) => unmount(mountPointOf(image)))), UNMOUNTS);
  if (!mount) {
    const gone = ctx.images.find((image) => !mounted.includes(mountPointOf(image)));
    if (gone) throw new HearthError('CONTAINER_FAILED', `image ${gone.id} is no longer mounted at ${mountPointOf(gone)}`, { hint: 'the service is restarted instead' });
    return;
  }
  // In parallel: each is a loop device set up by its own mount(8).
  const results = await Promise.allSettled(
    ctx.images.map(async (image) => {
      await ensureDir(mountPointOf(image), 'passage');
      await mountSquashfs(ctx.paths.archive, mountPointOf(image), { offset: image.offset, size: image.size });
    }),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Host-owned files (the package, host.sock) are bound without an idmap, so inside they belong to
 * no one the container maps and stay read-only even if it remounts them; images are squashfs,
 * read-only at the filesystem, so they keep root's files as root's (idmapped).
 */
export function containerSpec(ctx: Pick<RunnerContext, 'paths' | 'manifest' | 'images' | 'baseRootfs'>, name: string): ContainerSpec {
  const { paths, manifest } = ctx;
  const binds = [
    { source: paths.packageDir, target: CONTAINER_PATHS.packageDir, readonly: true },
    { source: paths.hostDir, target: CONTAINER_PATHS.hostDir, readonly: true },
    { source: paths.socketsDir, target: CONTAINER_PATHS.socketsDir, readonly: false },
    { source: paths.scratchDir, target: CONTAINER_PATHS.scratchDir, readonly: false },
    ...ctx.images.map((image) => ({
      source: join(paths.imagesDir, image.id),
      target: `${CONTAINER_PATHS.imagesDir}/${image.id}`,
      readonly: true,
      idmapped: true,
    })),
    ...manifest.volumes.map((volume) => ({
      source: join(paths.volumesDir, volume),
      target: `${CONTAINER_PATHS.volumesDir}/${volume}`,
      readonly: false,
    })),
  ];
  return {
    name: name,
    baseRootfs: ctx.baseRootfs,
    idmap: DEFAULT_IDMAP,
    initCommand: '/usr/lib/hearth/start-runtime',
    binds,
    consoleLog: join(paths.logsDir, 'runtime.log'),
    lxcLog: join(paths.logsDir, 'lxc.log'),
    pidsMax: manifest.resources.pids,
    memoryLimitBytes: manifest.resources.memoryMiB * 1024 * 1024,
    ...(manifest.resources.cpus !== null && { cpus: manifest.resources.cpus }),
  };
}
