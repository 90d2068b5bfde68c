import { HearthError, type DaemonSpec } from '@hearth/sdk/contract';
import type { Caveat, ExportInput } from './model.js';
import { probeAddressCaveat, probesOf } from './probes.js';

/** Kubernetes names containers by DNS-1123 label. */
const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const NUMERIC_USER_RE = /^(\d+)(?::(\d+))?$/;
/** The pod's shared /run and /dev/shm: hearth shares them between all daemons of a service. */
export const RUN_VOLUME = 'run';
export const SHM_VOLUME = 'dev-shm';
export const FILES_VOLUME = 'files';
export const SECRET_FILES_VOLUME = 'secret-files';
export const secretsVolume = (daemon: string): string => `secrets-${daemon}`;

export type Container = Record<string, unknown>;

/** Where each daemon goes: tasks and daemons something requires start in order as init containers; the rest are containers. */
export interface Placement {
  init: DaemonSpec[];
  main: DaemonSpec[];
  sidecars: Set<string>;
}

export function checkNames(input: ExportInput): void {
  for (const spec of input.specs) {
    if (!LABEL_RE.test(spec.id) || spec.id.length > 63 - 'secrets-'.length) {
      throw new HearthError('KUBE_EXPORT_UNSUPPORTED', `daemon ${JSON.stringify(spec.id)} cannot be a Kubernetes container name (lowercase letters, digits and -, at most 55 characters)`, {
        hint: 'rename the daemon in the package (e.g. db-migrate instead of db_migrate) and pack it again',
        details: { daemon: spec.id },
      });
    }
  }
}

/**
 * Kubernetes orders only init containers: each one starts after the one before has exited 0
 * (a task) or passed its startup probe (a native sidecar). So a daemon that anything requires is a
 * sidecar, and the specs' own order (each requires only earlier ids) is a valid start order.
 */
export function place(input: ExportInput): Placement {
  const required = new Set(input.specs.flatMap((s) => s.requires));
  const byId = new Map(input.specs.map((s) => [s.id, s]));
  const sidecars = new Set(input.specs.filter((s) => s.kind === 'daemon' && required.has(s.id)).map((s) => s.id));
  for (const id of sidecars) {
    const ready = byId.get(id)?.ready;
    if (ready?.kind === 'function') {
      const dependents = input.specs.filter((s) => s.requires.includes(id)).map((s) => s.id);
      throw new HearthError('KUBE_EXPORT_UNSUPPORTED', `${dependents.join(', ')} wait for daemon ${id} to be ready, and its readiness is a package function (${ready.ref}), which Kubernetes cannot run: they would start before it is ready`, {
        hint: `give ${id} a tcpPort, http or command ready check`,
        details: { daemon: id, dependents },
      });
    }
  }
  return {
    init: input.specs.filter((s) => s.kind === 'task' || sidecars.has(s.id)),
    main: input.specs.filter((s) => s.kind === 'daemon' && !sidecars.has(s.id)),
    sidecars,
  };
}

/** runAsUser/runAsGroup for the daemon's user (its own, else its image's); null when a name cannot be resolved. */
function securityContext(input: ExportInput, spec: DaemonSpec, caveats: Caveat[]): Record<string, number> | null {
  // The image's own user is in its OCI config, which the engine reads.
  if (spec.user === null) return null;
  const user = spec.user;
  const numeric = NUMERIC_USER_RE.exec(user);
  if (numeric !== null) return { runAsUser: Number(numeric[1]), ...(numeric[2] !== undefined && { runAsGroup: Number(numeric[2]) }) };
  const [name = user, group] = user.split(':');
  const ids = input.userIds(spec.image, name);
  if (ids === null) {
    caveats.push({ subject: spec.id, message: `its user ${user} could not be resolved to a uid without the image: it runs as the image's user` });
    return null;
  }
  if (group !== undefined) caveats.push({ subject: spec.id, message: `its group ${group} is not resolved: it runs with the group of ${name}` });
  return { runAsUser: ids.uid, runAsGroup: ids.gid };
}

export function isRoot(sc: Record<string, number> | null, spec: DaemonSpec, input: ExportInput): boolean {
  if (sc !== null) return sc['runAsUser'] === 0;
  const user = spec.user ?? input.images.get(spec.image)?.user ?? 'root';
  return user === 'root' || user.startsWith('root:');
}

export interface ContainerContext {
  input: ExportInput;
  placement: Placement;
  resources: Record<string, unknown>;
  /** ConfigMap / Secret key of each rendered file, by `<daemon>:<path>`. */
  fileKeys: ReadonlyMap<string, { key: string; secret: boolean }>;
  caveats: Caveat[];
}

export function containerOf(ctx: ContainerContext, spec: DaemonSpec): Container {
  const { input, caveats } = ctx;
  const sc = securityContext(input, spec, caveats);
  const mounts: Record<string, unknown>[] = [
    { name: RUN_VOLUME, mountPath: '/run' },
    { name: SHM_VOLUME, mountPath: '/dev/shm' },
    ...spec.mounts.map((m) => ({ name: m.volume, mountPath: m.path, ...(m.readonly && { readOnly: true }) })),
  ];
  if (spec.secrets.length > 0) mounts.push({ name: secretsVolume(spec.id), mountPath: '/run/secrets', readOnly: true });
  for (const file of spec.files) {
    const k = ctx.fileKeys.get(`${spec.id}:${file.path}`);
    if (k !== undefined) mounts.push({ name: k.secret ? SECRET_FILES_VOLUME : FILES_VOLUME, mountPath: file.path, subPath: k.key, readOnly: true });
    if (file.owner !== null) caveats.push({ subject: spec.id, message: `file ${file.path} is owned by ${file.owner} in hearth; a ConfigMap file is root's (mode ${file.mode.toString(8)})` });
  }
  for (const m of spec.mounts) {
    if (m.owner !== null) caveats.push({ subject: spec.id, message: `hearth gives the top directory of volume ${m.volume} to ${m.owner} at every start; Kubernetes does not (a fresh claim is root's): add a task that chowns it, or a pod securityContext.fsGroup` });
  }
  const env = Object.entries(spec.env).map(([name, value]) => ({ name, value }));
  const isSidecar = ctx.placement.sidecars.has(spec.id);
  const probes = spec.kind === 'daemon' ? probesOf(spec.id, spec.ready, spec.live, caveats) : {};
  if (spec.kind === 'daemon') {
    const c = probeAddressCaveat(spec.id, [spec.ready, spec.live]);
    if (c !== null) caveats.push(c);
  }
  if (spec.stopSignal !== 'SIGTERM') caveats.push({ subject: spec.id, message: `hearth stops it with ${spec.stopSignal}; Kubernetes 1.29 sends SIGTERM (or the image's STOPSIGNAL)` });
  if (spec.stopWhenRequirementsLost) caveats.push({ subject: spec.id, message: 'stopWhenRequirementsLost: Kubernetes does not stop a container when another one becomes unready' });
  if (spec.kind === 'daemon' && spec.restart.mode !== 'always') caveats.push({ subject: spec.id, message: `restart ${spec.restart.mode}: a StatefulSet's pod restarts every container that exits` });
  return {
    name: spec.id,
    image: input.imageRef(spec.image),
    imagePullPolicy: 'IfNotPresent',
    ...(spec.command !== null && { command: [...spec.command] }),
    ...(spec.workdir !== null && { workingDir: spec.workdir }),
    ...(env.length > 0 && { env }),
    ...(isSidecar && { restartPolicy: 'Always' }),
    ...probes,
    resources: ctx.resources,
    volumeMounts: mounts,
    ...(sc !== null && { securityContext: sc }),
  };
}
