/**
 * Where things are inside every hearth container. The host binds them in; the runtime reads them.
 */
export const CONTAINER_PATHS = {
  /** The bundled container-runtime, part of the shared base rootfs, started by `runtime-loader.cjs` beside it. */
  runtimeEntry: '/usr/lib/hearth/runtime.cjs',
  /** Read-only: `index.mjs` (the package's bundled ESM code), `manifest.json`, `images/<id>.json` (image configs). */
  packageDir: '/media/hearth/package',
  /** Read-only: one directory per image, the image's root filesystem. */
  imagesDir: '/media/hearth/images',
  /** Read-write, persistent: one directory per declared volume. */
  volumesDir: '/media/hearth/volumes',
  /**
   * Read-only, owned by host root: `host.sock`, where hearthd listens. The container can connect but
   * never replace it, so hearthd never acts on a path the container wrote.
   */
  hostDir: '/media/hearth/host',
  /** Read-write, the container's own: `iface-<id>.sock` (the runtime listens, relays to the port). */
  socketsDir: '/media/hearth/sockets',
  /** Read-write, thrown away when the service stops: overlay upper/work dirs and daemon roots. */
  scratchDir: '/media/hearth/scratch',
} as const;

export const HOST_SOCKET_NAME = 'host.sock';
/**
 * In the host dir: the service's place on hearth's bridge, written by hearthd before each start
 * (`{ address, gateway, hosts: [{ name, address }], nameservers }`). Absent with `--network none`.
 */
export const NETWORK_FILE_NAME = 'network.json';

/**
 * In the host dir: the service's settings as hearthd stores them (defaults filled), written before
 * each start and on every change (`{ "settings": {...} }`; host-owned, read-only to the container),
 * so `main({ settings })` runs with them at load.
 */
export const SETTINGS_FILE_NAME = 'settings.json';

/** Where a daemon finds the secrets it names: `<dir>/<name>`, on a tmpfs of its own. */
export const SECRETS_DIR = '/run/secrets';

export function interfaceSocketName(interfaceId: string): string {
  return `iface-${interfaceId}.sock`;
}

/** The configuration of an image as its source declared it (OCI config or defaults). */
export interface ImageConfig {
  entrypoint: string[] | null;
  cmd: string[] | null;
  /** `KEY=value` entries. */
  env: string[];
  /** @default '/' */
  workdir: string;
  /** `uid[:gid]` or a name from the image's /etc/passwd. @default 'root' */
  user: string;
}
