import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HearthError } from '@hearth/sdk/contract';

/**
 * Who owns what under the data dir (SECURITY.md). Containers are unprivileged: container root is
 * host uid/gid CONTAINER_ROOT_ID. Nothing a container writes may be dangerous on the host, and the
 * host never acts on a path a container can replace, so every directory is one of three kinds:
 * - `host`: root:root 0700 — logs, staging, LXC's path. No container and no host user enters.
 * - `passage`: root:CONTAINER_ROOT_ID 0710 — on the way to something bound into a container. The
 *   container (by its group) may pass through, never list or write; host users cannot even enter,
 *   so nothing below (volumes, scratch) is reachable by an unprivileged host user.
 * - `container`: CONTAINER_ROOT_ID:CONTAINER_ROOT_ID — volumes, scratch, the runtime's sockets.
 *   Written by the container, stored with its shifted ids (never host root's), so a setuid file
 *   made inside is setuid to an unprivileged host uid. Their parents are `passage` dirs, so the
 *   container cannot swap the entry itself for a link.
 */
export const CONTAINER_ROOT_ID = 100_000;
/** How many ids each container maps, from CONTAINER_ROOT_ID on (`root:100000:65536` in /etc/subuid). */
export const CONTAINER_ID_COUNT = 65_536;

export type DirKind = 'host' | 'passage' | 'container';

const DIR_OWNERSHIP: Record<DirKind, { uid: number; gid: number; mode: number }> = {
  host: { uid: 0, gid: 0, mode: 0o700 },
  passage: { uid: 0, gid: CONTAINER_ROOT_ID, mode: 0o710 },
  container: { uid: CONTAINER_ROOT_ID, gid: CONTAINER_ROOT_ID, mode: 0o755 },
};

/**
 * Make `dir` (and missing parents, passable by all: 0711) and give it the owner and mode of its kind;
 * a host-owned dir also when it exists already (a data dir of an older format is corrected, not
 * trusted), a container's own dir only when made here. Callers only name paths whose parents are
 * host-owned, so no component can be a container's link.
 */
export async function ensureDir(dir: string, kind: DirKind): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: 0o711 });
  // A container's own dir that exists is its business (PostgreSQL wants its data dir 0700, say).
  if (kind === 'container' && created === undefined) return;
  const { uid, gid, mode } = DIR_OWNERSHIP[kind];
  await chown(dir, uid, gid);
  await chmod(dir, mode);
}

/**
 * Containers bind things from under the data dir, which lets them pass by its group: every
 * directory above it must let others pass through.
 */
export async function assertTraversable(dataDir: string): Promise<void> {
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      throw new HearthError('INVALID_PARAMS', `${dir} is not searchable by others (mode ${(mode & 0o777).toString(8)}), so containers cannot reach the data dir`, {
        hint: `chmod o+x ${dir}, or use a --data-dir whose parents are`,
      });
    }
    if (dir === dirname(dir)) return;
  }
}

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
  /** `<service>.json`: the service's secret values, root-only (host kind, files 0600). Removed only by a purge. */
  secretsDir: string;
  /** Staging for installs; same filesystem as packagesDir so rename is atomic. */
  tmpDir: string;
  /** Mount point of the shared base rootfs. */
  baseMount: string;
}

/** The data dir's own directories, with their kinds (layout.ts header); run at every boot. */
export async function ensureDataDirs(layout: Layout): Promise<void> {
  await ensureDir(layout.dataDir, 'passage');
  // LXC's path too: the container's init must pass through it (lxc-start says so otherwise).
  for (const dir of [layout.packagesDir, layout.volumesDir, layout.runDir, layout.baseMount, layout.lxcDir]) await ensureDir(dir, 'passage');
  for (const dir of [layout.logsDir, layout.tmpDir, layout.secretsDir]) await ensureDir(dir, 'host');
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
    secretsDir: join(dataDir, 'secrets'),
    tmpDir: join(dataDir, 'tmp'),
    baseMount: join(dataDir, 'base'),
  };
}

export interface ServicePaths {
  runDir: string;
  /** `host.sock`: host-owned, bound read-only, so the container can connect but never replace it. */
  hostDir: string;
  /** The runtime's interface sockets: the container's own; the host opens them without following links. */
  socketsDir: string;
  /** Mount point of the service's scratch filesystem (daemons' writable layers), sized by its quota. */
  scratchDir: string;
  /** The sparse ext4 image behind scratchDir. */
  scratchImage: string;
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
    hostDir: join(runDir, 'host'),
    socketsDir: join(runDir, 'sockets'),
    scratchDir: join(runDir, 'scratch'),
    scratchImage: join(runDir, 'scratch.img'),
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
