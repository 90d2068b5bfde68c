import { CONTAINER_ID_COUNT, CONTAINER_ROOT_ID } from '../layout.js';
import { HearthError } from '@hearth/sdk/contract';

/**
 * The LXC configuration of a hearth container, rendered from what the service needs.
 * Measured on these machines (see ENVIRONMENT.md): unprivileged via a fixed idmap, rootfs the
 * shared read-only base, no network but loopback, init.lxc as PID 1 to reap zombies and forward
 * the stop signal. Every bind is `nosuid,nodev`; only read-only squashfs binds (images, whose files
 * belong to root inside) are idmapped: a writable idmapped bind would store what container root
 * writes as host root (SECURITY.md).
 */
export interface ContainerSpec {
  name: string;
  baseRootfs: string;
  /** First host uid/gid of the container's range, and its length. */
  idmap: { hostId: number; count: number };
  /** The script in the base that starts the runtime with its output on the console. */
  initCommand: string;
  binds: Bind[];
  consoleLog: string;
  lxcLog: string;
  memoryLimitBytes: number;
  /** CPU time in CPUs (CFS quota over a 100 ms period). */
  cpus?: number;
  pidsMax?: number;
  /** LXC keys of its veth on hearth's bridge (network/lxc-net.ts); null: loopback only. */
  network?: string[] | null;
}

export interface Bind {
  source: string;
  target: string;
  readonly: boolean;
  /**
   * Show host root's files as container root's (`idmap=container`). Only for read-only filesystems
   * (squashfs): through a writable one, container root's writes would be host root's files.
   */
  idmapped?: boolean;
}

export const CPU_PERIOD_US = 100_000;
const MIB = 1024 * 1024;
/**
 * The container's own tmpfs mounts, bounded (tmpfs defaults to half the host's RAM); their pages
 * count against the service's memory limit too. `/tmp` is only the runtime's: each daemon's /tmp is
 * in its image's writable layer. `/dev/shm` as Docker and Podman size it.
 */
export const TMPFS_SIZES = { run: 64 * MIB, tmp: 16 * MIB, 'dev/shm': 64 * MIB, 'media/hearth': 1 * MIB } as const;

export const DEFAULT_IDMAP = { hostId: CONTAINER_ROOT_ID, count: CONTAINER_ID_COUNT } as const;
export const DEFAULT_PIDS_MAX = 1024;
/** Bytes of runtime console output kept before LXC rotates the file once. */
export const CONSOLE_LOG_BYTES = 4 * 1024 * 1024;

/** LXC splits values on whitespace and has no quoting: refuse paths that would be misread. */
function assertPlain(value: string, what: string): string {
  if (/\s/.test(value)) {
    throw new HearthError('INVALID_PARAMS', `${what} must not contain whitespace: ${JSON.stringify(value)}`, {
      hint: 'LXC configuration has no quoting: choose a --data-dir and --base-image whose paths have no spaces',
      details: { what, value },
    });
  }
  return value;
}

export function renderContainerConfig(spec: ContainerSpec): string {
  const { hostId, count } = spec.idmap;
  const lines = [
    `lxc.uts.name = ${spec.name}`,
    `lxc.rootfs.path = dir:${assertPlain(spec.baseRootfs, 'base rootfs')}`,
    'lxc.rootfs.options = ro,idmap=container',
    `lxc.idmap = u 0 ${hostId} ${count}`,
    `lxc.idmap = g 0 ${hostId} ${count}`,
    'lxc.mount.auto = proc:mixed sys:ro cgroup:mixed:force',
    'lxc.autodev = 1',
    ...(spec.network ? spec.network : ['lxc.net.0.type = empty']),
    // lxc-stop sends SIGPWR by default; init.lxc forwards SIGTERM to the runtime.
    'lxc.signal.halt = SIGTERM',
    `lxc.init.cmd = /sbin/init.lxc -n ${spec.name} -- ${spec.initCommand}`,
    `lxc.mount.entry = tmpfs run tmpfs rw,nosuid,nodev,mode=755,size=${TMPFS_SIZES.run} 0 0`,
    `lxc.mount.entry = tmpfs tmp tmpfs rw,nosuid,nodev,mode=1777,size=${TMPFS_SIZES.tmp} 0 0`,
    // POSIX shared memory (PostgreSQL and others): shared by every daemon, like /run.
    `lxc.mount.entry = tmpfs dev/shm tmpfs rw,nosuid,nodev,mode=1777,size=${TMPFS_SIZES['dev/shm']},create=dir 0 0`,
    // The base is read-only, so the mount points for binds are made in a tmpfs first.
    `lxc.mount.entry = tmpfs media/hearth tmpfs rw,nosuid,nodev,mode=755,size=${TMPFS_SIZES['media/hearth']} 0 0`,
    ...spec.binds.map((b) => {
      const target = assertPlain(b.target.replace(/^\/+/, ''), 'bind target');
      const options = ['bind', b.readonly ? 'ro' : 'rw', 'nosuid', 'nodev', ...(b.idmapped === true ? ['idmap=container'] : []), 'create=dir'];
      if (b.idmapped === true && !b.readonly) {
        throw new HearthError('INTERNAL', `an idmapped bind must be read-only: ${b.source}`, { hint: 'a bug in hearthd: please report it', details: { source: b.source } });
      }
      return `lxc.mount.entry = ${assertPlain(b.source, 'bind source')} ${target} none ${options.join(',')} 0 0`;
    }),
    `lxc.cgroup.pids.max = ${spec.pidsMax ?? DEFAULT_PIDS_MAX}`,
    // cgroup v1 keys: lxc.cgroup2.* is silently ignored on these hosts (ENVIRONMENT.md).
    `lxc.cgroup.memory.limit_in_bytes = ${spec.memoryLimitBytes}`,
    ...(spec.cpus === undefined ? [] : [`lxc.cgroup.cpu.cfs_period_us = ${CPU_PERIOD_US}`, `lxc.cgroup.cpu.cfs_quota_us = ${Math.round(spec.cpus * CPU_PERIOD_US)}`]),
    `lxc.console.logfile = ${assertPlain(spec.consoleLog, 'console log')}`,
    `lxc.console.size = ${CONSOLE_LOG_BYTES}`,
    'lxc.console.rotate = 1',
    `lxc.log.file = ${assertPlain(spec.lxcLog, 'lxc log')}`,
    'lxc.log.level = WARN',
  ];
  return `${lines.join('\n')}\n`;
}
