import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HearthError } from '@hearth/sdk/contract';

/**
 * Mode of every directory on the way to something bound into a container: the container's root
 * (an unprivileged uid on the host) must be able to pass through, but not list or write.
 */
export const TRAVERSABLE_DIR_MODE = 0o711;

/**
 * Where hearthd keeps things under its data dir. Everything a service owns on the host is under
 * one of these, so sweeping and cleanup checks can name exact paths.
 */
/** Containers bind things from under the data dir: every directory above it must let others pass through. */
export async function assertTraversable(dataDir: string): Promise<void> {
  for (let dir = dataDir; ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      throw new HearthError('INVALID_PARAMS', `${dir} is not searchable by others (mode ${(mode & 0o777).toString(8)}), so containers cannot reach the data dir`, {
        hint: `chmod o+x ${dir}, or use a --data-dir whose parents are`,
      });
    }
    if (dir === dirname(dir)) return;
  }
}

export interface Layout {
  dataDir: string;
  stateFile: string;
  /** Installed packages: `<id>/package.hpk` and `<id>/package/` (index.js, manifest.json, images/*.json). */
  packagesDir: string;
  /** Persistent volumes: `<service>/<volume>/`. Removed only by an explicit purge. */
  volumesDir: string;
  /** Per running service: rpc dir, scratch, image mount points. Removed when the service stops. */
  runDir: string;
  /** LXC's lxcpath for our containers. */
  lxcDir: string;
  logsDir: string;
  /** Staging for installs; same filesystem as packagesDir so rename is atomic. */
  tmpDir: string;
  /** Mount point of the shared base rootfs. */
  baseMount: string;
}

export function layoutOf(dataDir: string): Layout {
  return {
    dataDir,
    stateFile: join(dataDir, 'state.json'),
    packagesDir: join(dataDir, 'packages'),
    volumesDir: join(dataDir, 'volumes'),
    runDir: join(dataDir, 'run'),
    lxcDir: join(dataDir, 'lxc'),
    logsDir: join(dataDir, 'logs'),
    tmpDir: join(dataDir, 'tmp'),
    baseMount: join(dataDir, 'base'),
  };
}

export interface ServicePaths {
  runDir: string;
  rpcDir: string;
  scratchDir: string;
  imagesDir: string;
  configFile: string;
  packageDir: string;
  archive: string;
  volumesDir: string;
  logsDir: string;
}

/**
 * An installed version lives in `packages/<id>/<installDir>/`, so an update commits the new
 * version beside the old and switches with one state write. (Installs from before versioned
 * dirs have no installDir and live in `packages/<id>/` itself.)
 */
export function installDirOf(layout: Layout, id: string, installDir?: string): string {
  return installDir === undefined ? join(layout.packagesDir, id) : join(layout.packagesDir, id, installDir);
}

export function servicePaths(layout: Layout, id: string, installDir?: string): ServicePaths {
  const runDir = join(layout.runDir, id);
  const installed = installDirOf(layout, id, installDir);
  return {
    runDir,
    rpcDir: join(runDir, 'rpc'),
    scratchDir: join(runDir, 'scratch'),
    imagesDir: join(runDir, 'images'),
    configFile: join(runDir, 'container.conf'),
    packageDir: join(installed, 'package'),
    archive: join(installed, 'package.hpk'),
    volumesDir: join(layout.volumesDir, id),
    logsDir: join(layout.logsDir, id),
  };
}

export function containerName(serviceId: string): string {
  return `hearth-${serviceId}`;
}
