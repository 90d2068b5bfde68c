import { join } from 'node:path';
import { CONTAINER_PATHS, HOST_SOCKET_NAME, NETWORK_FILE_NAME, SETTINGS_FILE_NAME } from '@hearth/sdk/contract';

/** Where the runtime finds what the host bound in; `HEARTH_MEDIA_DIR` moves it all (for tests outside a container). */
export interface RuntimePaths {
  packageDir: string;
  imagesDir: string;
  volumesDir: string;
  /** Where the runtime offers each interface's socket (the host connects, checking what it finds). */
  socketsDir: string;
  scratchDir: string;
  hostSocket: string;
  /** What hearthd says of the service's network (NETWORK_FILE_NAME); absent in loopback-only mode. */
  networkFile: string;
  /** The service's settings as hearthd stored them (SETTINGS_FILE_NAME); absent from an older hearthd. */
  settingsFile: string;
  /** The container's /run, bound into every daemon's root (`<media>/run` outside a container, never the host's). */
  runDir: string;
  /** The container's /dev/shm, shared by every daemon through /dev (`<media>/dev-shm` outside a container). */
  shmDir: string;
}

export function runtimePaths(env: NodeJS.ProcessEnv = process.env): RuntimePaths {
  const media = env['HEARTH_MEDIA_DIR'];
  const at = (containerPath: string): string => (media === undefined ? containerPath : join(media, containerPath.replace(/^\/media\/hearth\/?/, '')));
  return {
    packageDir: at(CONTAINER_PATHS.packageDir),
    imagesDir: at(CONTAINER_PATHS.imagesDir),
    volumesDir: at(CONTAINER_PATHS.volumesDir),
    socketsDir: at(CONTAINER_PATHS.socketsDir),
    scratchDir: at(CONTAINER_PATHS.scratchDir),
    hostSocket: join(at(CONTAINER_PATHS.hostDir), HOST_SOCKET_NAME),
    networkFile: join(at(CONTAINER_PATHS.hostDir), NETWORK_FILE_NAME),
    settingsFile: join(at(CONTAINER_PATHS.hostDir), SETTINGS_FILE_NAME),
    runDir: media === undefined ? '/run' : join(media, 'run'),
    shmDir: media === undefined ? '/dev/shm' : join(media, 'dev-shm'),
  };
}
