import { join } from 'node:path';

/**
 * Where hearthd keeps things under its data dir. Everything a service owns on the host is under
 * one of these, so sweeping and cleanup checks can name exact paths.
 */
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

export function servicePaths(layout: Layout, id: string): ServicePaths {
  const runDir = join(layout.runDir, id);
  return {
    runDir,
    rpcDir: join(runDir, 'rpc'),
    scratchDir: join(runDir, 'scratch'),
    imagesDir: join(runDir, 'images'),
    configFile: join(runDir, 'container.conf'),
    packageDir: join(layout.packagesDir, id, 'package'),
    archive: join(layout.packagesDir, id, 'package.hpk'),
    volumesDir: join(layout.volumesDir, id),
    logsDir: join(layout.logsDir, id),
  };
}

export function containerName(serviceId: string): string {
  return `hearth-${serviceId}`;
}
