import type { ManifestInput } from './manifest.js';
import { HearthError } from './errors.js';
import { waves } from './graph.js';
import type { CheckFunction, HealthCheck, HealthCheckSpec } from './health.js';
import type { FileContext, MainContext, SecretIds } from './context.js';

export interface MountSpec {
  volume: string;
  /** Absolute path inside the daemon's image. */
  path: string;
  readonly: boolean;
  /**
   * Owner of the volume's top directory: `uid[:gid]`, or a user (and `:group`) of the daemon's
   * image. `null`: a writable mount of a fresh volume is given to the daemon's user.
   */
  owner: string | null;
}

/** `uid[:gid]` or `name[:group]`, names as useradd allows them. */
const OWNER_RE = /^(\d{1,10}|[a-z_][a-z0-9_.-]{0,31}\$?)(:(\d{1,10}|[a-z_][a-z0-9_.-]{0,31}\$?))?$/i;
const MAX_ID = 2 ** 32 - 2;

function checkOwner(daemonId: string, volume: string, owner: string): string {
  const numbers = owner.split(':').filter((part) => /^\d+$/.test(part)).map(Number);
  if (!OWNER_RE.test(owner) || numbers.some((n) => n > MAX_ID)) {
    throw new HearthError('MANIFEST_INVALID', `daemon ${daemonId}: the owner of volume ${volume} is ${JSON.stringify(owner)}: expected uid[:gid] or a user[:group] of its image`, {
      hint: "write owner: '999:999' or owner: 'postgres'",
      details: { daemon: daemonId, volume, owner },
    });
  }
  return owner;
}

/** One volume, one declared owner: two would take the directory from each other at every start. */
function checkOwnersAgree(specs: readonly DaemonSpec[]): void {
  const owners = new Map<string, { daemon: string; owner: string }>();
  for (const spec of specs) {
    for (const mount of spec.mounts) {
      if (mount.owner === null) continue;
      const first = owners.get(mount.volume);
      if (first !== undefined && first.owner !== mount.owner) {
        throw new HearthError('MANIFEST_INVALID', `volume ${mount.volume} is given two owners: ${first.owner} by daemon ${first.daemon} and ${mount.owner} by daemon ${spec.id}`, {
          hint: 'declare the owner on one mount of the volume (or the same on each)',
          details: { volume: mount.volume, daemons: [first.daemon, spec.id] },
        });
      }
      owners.set(mount.volume, first ?? { daemon: spec.id, owner: mount.owner });
    }
  }
}

/** A file written into a daemon's root before it starts (its content rendered by package code). */
export interface FileSpec {
  /** Absolute path inside the daemon's image. */
  path: string;
  mode: number;
  /** `uid[:gid]` or a user[:group] of the daemon's image; `null`: the daemon's user. */
  owner: string | null;
  /** Names the render function in the package module (`<daemon>:<path>`). */
  ref: string;
}

/** What a file's content is: text, or a function of the settings and secrets that returns it. */
export type FileContent<M extends ManifestInput> = string | ((ctx: FileContext<M>) => string | Promise<string>);
export type FileDeclaration<M extends ManifestInput> = FileContent<M> | { content: FileContent<M>; /** @default 0o644 */ mode?: number; /** @default the daemon's user */ owner?: string };
export type FileRenderer = (ctx: FileContext<ManifestInput>) => string | Promise<string>;
export const MAX_RENDERED_FILE_BYTES = 1024 * 1024;

/** When and how fast a daemon or task is started again after it exits. */
export interface RestartPolicy {
  /** `always`: any exit; `on-failure`: non-zero exit or a signal; `never`. @default 'always' for daemons, 'never' for tasks */
  mode: 'always' | 'on-failure' | 'never';
  /** Wait before the first restart. @default 1000 */
  initialDelayMs: number;
  /** The wait doubles each time up to this. @default 30000 */
  maxDelayMs: number;
  /** A run this long counts as stable and resets the wait and the crash count. @default 60000 */
  resetAfterMs: number;
  /** This many exits within `windowMs` and the daemon is `failed` for good. @default 5 */
  maxCrashes: number;
  /** @default 300000 */
  windowMs: number;
}

export const DEFAULT_RESTART: Omit<RestartPolicy, 'mode'> = {
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
  maxCrashes: 5,
  windowMs: 300_000,
};
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** A daemon or one-shot task as the runtime receives it, after the package's `main` ran. */
export interface DaemonSpec {
  id: string;
  /** A daemon runs until stopped; a task runs once and must exit 0 before what requires it starts. */
  kind: 'daemon' | 'task';
  image: string;
  /** argv; `null` means the image's entrypoint + cmd. */
  command: string[] | null;
  env: Record<string, string>;
  /** `uid[:gid]` or a name from the image's /etc/passwd; `null` means the image's user. */
  user: string | null;
  /** `null` means the image's workdir. */
  workdir: string | null;
  mounts: MountSpec[];
  /** Daemons that must be ready, or tasks that must have exited 0, before this one starts. */
  requires: string[];
  ready: HealthCheckSpec | null;
  live: HealthCheckSpec | null;
  restart: RestartPolicy;
  stopSignal: 'SIGTERM' | 'SIGINT' | 'SIGQUIT' | 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2';
  stopTimeoutMs: number;
  /** Stop this daemon while something it requires is not ready, and start it again when it is. */
  stopWhenRequirementsLost: boolean;
  /** Secret names given to it as files at /run/secrets/<name> (0400, its user's), on a tmpfs of its own. */
  secrets: string[];
  /** Files rendered into its root before every start. */
  files: FileSpec[];
}

type ImageIds<M extends ManifestInput> = Extract<keyof M['images'], string>;
type VolumeIds<M extends ManifestInput> = M['volumes'] extends readonly (infer V)[] ? V & string : never;

interface CommonOptions<M extends ManifestInput, Earlier extends string> {
  /** Id of an image declared in the manifest. */
  image: ImageIds<M>;
  /**
   * argv run chrooted in the image.
   * @default the image's entrypoint + cmd
   * @example ['httpd', '-f', '-p', '80', '-h', '/www']
   */
  command?: readonly string[];
  /** Extra environment, added to the image's. @default {} */
  env?: Record<string, string>;
  /** User to run as: `uid[:gid]` or a name in the image's /etc/passwd. @default the image's user (root) */
  user?: string;
  /** Working directory inside the image (the image needs /bin/sh for this). @default the image's workdir (/) */
  workdir?: string;
  /**
   * Volumes mounted into the daemon's filesystem. `owner` (`uid[:gid]`, or a user[:group] of this
   * daemon's image) is given the volume's top directory at every start (not recursively). Without
   * it, a writable mount of a fresh volume (empty, owned by root) is given to the daemon's user, so
   * a non-root image can write its data directory with no chown task.
   * @default []
   * @example [{ volume: 'data', path: '/var/lib/postgresql/data', owner: 'postgres' }]
   */
  mounts?: readonly { volume: VolumeIds<M>; path: string; readonly?: boolean; owner?: string }[];
  /** Daemons (ready) and tasks (exited 0) added earlier that must come first. @default [] */
  requires?: readonly Earlier[];
  /** Restart behaviour; fields left out take the defaults in DEFAULT_RESTART. */
  restart?: Partial<RestartPolicy>;
  /** Signal that asks it to stop. @default 'SIGTERM' */
  stopSignal?: DaemonSpec['stopSignal'];
  /** Wait this long after the stop signal, then SIGKILL the whole process group. @default 10000 */
  stopTimeoutMs?: number;
  /**
   * Secrets of the manifest this one reads, at /run/secrets/<name>: a file mode 0400 owned by its
   * user, on a tmpfs only it has. Never in its environment. @default []
   */
  secrets?: readonly SecretIds<M>[];
  /**
   * Files written into its root before every start, by absolute path: text, or a function of the
   * settings and secrets. A file whose function reads a secret lives on its secrets tmpfs.
   * @default {}
   * @example { '/etc/app/config.yml': ({ settings }) => `title: ${settings.title}\n` }
   */
  files?: Record<string, FileDeclaration<M>>;
}

export interface DaemonOptions<M extends ManifestInput, Earlier extends string> extends CommonOptions<M, Earlier> {
  /** Readiness check; without one a daemon is ready once spawned. @default none */
  ready?: HealthCheck;
  /** Liveness check; when it fails `failureThreshold` times the daemon is restarted. @default none */
  live?: HealthCheck;
  /** Stop while a requirement is not ready, start again when it is. @default false (keep running, shown as waiting) */
  stopWhenRequirementsLost?: boolean;
}

export type TaskOptions<M extends ManifestInput, Earlier extends string> = CommonOptions<M, Earlier>;

/**
 * The daemons and tasks of a service. Each `add` may only require ids added before it, so the
 * graph cannot have a cycle or name an unknown id.
 *
 * @example
 * Daemons.of(manifest)
 *   .addTask('init', { image: 'tools', command: ['mkdir', '-p', '/data/www'] })
 *   .add('web', { image: 'main', command: ['httpd', '-f'], requires: ['init'], ready: healthChecks.tcpPort(80) })
 */
export class Daemons<M extends ManifestInput, Ids extends string = never> {
  private constructor(
    private readonly specs: readonly DaemonSpec[],
    private readonly functions: ReadonlyMap<string, CheckFunction>,
    private readonly renderers: ReadonlyMap<string, FileRenderer>,
  ) {}

  static of<M extends ManifestInput>(_manifest: M): Daemons<M> {
    return new Daemons<M>([], new Map(), new Map());
  }

  /** A long-running daemon. */
  add<Id extends string>(id: Id extends Ids ? never : Id, options: DaemonOptions<M, Ids>): Daemons<M, Ids | Id> {
    return this.with(id, 'daemon', options, options.ready, options.live, options.stopWhenRequirementsLost ?? false);
  }

  /** A one-shot task (init, migration): it must exit 0 before anything that requires it starts. */
  addTask<Id extends string>(id: Id extends Ids ? never : Id, options: TaskOptions<M, Ids>): Daemons<M, Ids | Id> {
    return this.with(id, 'task', options, undefined, undefined, false);
  }

  private with<Id extends string>(
    id: string,
    kind: DaemonSpec['kind'],
    options: CommonOptions<M, Ids>,
    ready: HealthCheck | undefined,
    live: HealthCheck | undefined,
    stopWhenRequirementsLost: boolean,
  ): Daemons<M, Ids | Id> {
    const functions = new Map(this.functions);
    const check = (which: 'ready' | 'live', c: HealthCheck | undefined): HealthCheckSpec | null => {
      if (c === undefined) return null;
      if (c.kind !== 'function-pending') return c;
      const ref = `${id}.${which}`;
      functions.set(ref, c.fn);
      return { kind: 'function', ref, ...c.timing };
    };
    const renderers = new Map(this.renderers);
    const files = Object.entries(options.files ?? {}).map(([path, decl]): FileSpec => {
      const { content, mode, owner } = typeof decl === 'object' ? decl : { content: decl, mode: undefined, owner: undefined };
      const ref = `${id}:${path}`;
      renderers.set(ref, typeof content === 'function' ? (content as FileRenderer) : () => content);
      return { path: checkFilePath(id, path), mode: checkFileMode(id, path, mode ?? DEFAULT_FILE_MODE), owner: owner === undefined ? null : checkOwner(id, path, owner), ref };
    });
    const spec: DaemonSpec = {
      id,
      kind,
      image: options.image,
      command: options.command === undefined ? null : [...options.command],
      env: { ...options.env },
      user: options.user ?? null,
      workdir: options.workdir ?? null,
      mounts: (options.mounts ?? []).map((m) => ({ volume: m.volume, path: m.path, readonly: m.readonly ?? false, owner: m.owner === undefined ? null : checkOwner(id, m.volume, m.owner) })),
      requires: [...(options.requires ?? [])],
      ready: check('ready', ready),
      live: check('live', live),
      restart: { mode: kind === 'daemon' ? 'always' : 'never', ...DEFAULT_RESTART, ...options.restart },
      stopSignal: options.stopSignal ?? 'SIGTERM',
      stopTimeoutMs: options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
      stopWhenRequirementsLost,
      secrets: [...new Set(options.secrets ?? [])],
      files,
    };
    return new Daemons<M, Ids | Id>([...this.specs, spec], functions, renderers);
  }

  /** The plain-data form the runtime runs; checks the graph so a bad one fails at pack time too. */
  toSpec(): DaemonSpec[] {
    const specs = this.specs.map((s) => structuredClone(s));
    waves(specs);
    checkOwnersAgree(specs);
    return specs;
  }

  /** A function health check by the `ref` in its spec. */
  checkFunction(ref: string): CheckFunction | undefined {
    return this.functions.get(ref);
  }

  /** A file's render function by the `ref` in its spec. */
  fileRenderer(ref: string): FileRenderer | undefined {
    return this.renderers.get(ref);
  }
}

/** What a package module exports as `main`: it may read the settings to choose its daemons (N workers). */
export type MainFunction = (ctx: MainContext<ManifestInput>) => Daemons<ManifestInput, string> | Promise<Daemons<ManifestInput, string>>;

const DEFAULT_FILE_MODE = 0o644;

function checkFilePath(daemonId: string, path: string): string {
  if (!path.startsWith('/') || path.length > 1024 || path.split('/').some((part) => part === '..' || part === '.') || path.endsWith('/')) {
    throw new HearthError('MANIFEST_INVALID', `daemon ${daemonId}: file ${JSON.stringify(path)} is not an absolute path to a file`, {
      hint: "write files: { '/etc/app/config.yml': ... }",
      details: { daemon: daemonId, path },
    });
  }
  return path;
}

function checkFileMode(daemonId: string, path: string, mode: number): number {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new HearthError('MANIFEST_INVALID', `daemon ${daemonId}: file ${path} has mode ${String(mode)}: expected permission bits like 0o640 (no setuid)`, {
      hint: 'write mode: 0o640',
      details: { daemon: daemonId, path, mode },
    });
  }
  return mode;
}

/** Every secret a daemon names is one the manifest declares (checked at pack time and by the runtime). */
export function checkSecretsDeclared(specs: readonly DaemonSpec[], manifest: { secrets: Record<string, unknown> }): void {
  for (const spec of specs) {
    for (const name of spec.secrets) {
      if (!Object.hasOwn(manifest.secrets, name)) {
        throw new HearthError('MANIFEST_INVALID', `daemon ${spec.id} names secret ${JSON.stringify(name)}, which the manifest does not declare`, {
          hint: `declare it in the manifest's secrets (declared: ${Object.keys(manifest.secrets).join(', ') || 'none'})`,
          details: { daemon: spec.id, secret: name },
        });
      }
    }
  }
}
