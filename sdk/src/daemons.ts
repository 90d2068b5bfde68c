import type { ManifestInput } from './manifest.js';

/** How the runtime tells that a daemon is ready. Plain data, so it crosses into the runtime as JSON. */
export type HealthCheckSpec = {
  kind: 'tcp';
  /** Port that must accept a connection on 127.0.0.1 inside the container. */
  port: number;
  /** @default 250 */
  intervalMs: number;
  /** @default 1000 */
  timeoutMs: number;
};

export interface MountSpec {
  volume: string;
  /** Absolute path inside the daemon's image. */
  path: string;
  readonly: boolean;
}

/** A daemon as the runtime receives it, after the package's `main` ran. */
export interface DaemonSpec {
  id: string;
  image: string;
  /** argv; `null` means the image's entrypoint + cmd. */
  command: string[] | null;
  env: Record<string, string>;
  mounts: MountSpec[];
  /** Ids of daemons that must be ready before this one starts. */
  requires: string[];
  ready: HealthCheckSpec | null;
}

type ImageIds<M extends ManifestInput> = Extract<keyof M['images'], string>;
type VolumeIds<M extends ManifestInput> = M['volumes'] extends readonly (infer V)[] ? V & string : never;

export interface DaemonOptions<M extends ManifestInput, Earlier extends string> {
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
  /**
   * Volumes mounted into the daemon's filesystem.
   * @default []
   * @example [{ volume: 'data', path: '/var/lib/app' }]
   */
  mounts?: readonly { volume: VolumeIds<M>; path: string; readonly?: boolean }[];
  /** Daemons declared earlier that must be ready first. @default [] */
  requires?: readonly Earlier[];
  /** Readiness check; without one a daemon is ready once spawned. @default none */
  ready?: HealthCheckSpec;
}

/** Health check strategies. */
export const healthChecks = {
  /**
   * Ready once `127.0.0.1:<port>` accepts a TCP connection.
   * @example healthChecks.tcpPort(80)
   */
  tcpPort(port: number, options: { intervalMs?: number; timeoutMs?: number } = {}): HealthCheckSpec {
    return { kind: 'tcp', port, intervalMs: options.intervalMs ?? 250, timeoutMs: options.timeoutMs ?? 1000 };
  },
};

/**
 * The daemons of a service. Each `add` may only require ids added before it, so the graph
 * cannot have a cycle or name an unknown daemon.
 *
 * @example
 * Daemons.of(manifest).add('web', { image: 'main', command: ['httpd', '-f'], ready: healthChecks.tcpPort(80) })
 */
export class Daemons<M extends ManifestInput, Ids extends string = never> {
  private constructor(private readonly specs: readonly DaemonSpec[]) {}

  static of<M extends ManifestInput>(_manifest: M): Daemons<M> {
    return new Daemons<M>([]);
  }

  add<Id extends string>(id: Id extends Ids ? never : Id, options: DaemonOptions<M, Ids>): Daemons<M, Ids | Id> {
    const spec: DaemonSpec = {
      id,
      image: options.image,
      command: options.command === undefined ? null : [...options.command],
      env: { ...options.env },
      mounts: (options.mounts ?? []).map((m) => ({ volume: m.volume, path: m.path, readonly: m.readonly ?? false })),
      requires: [...(options.requires ?? [])],
      ready: options.ready ?? null,
    };
    return new Daemons<M, Ids | Id>([...this.specs, spec]);
  }

  /** The plain-data form the runtime runs. */
  toSpec(): DaemonSpec[] {
    return this.specs.map((s) => structuredClone(s));
  }
}

/** What a package module exports as `main`. */
export type MainFunction = () => Daemons<ManifestInput, string> | Promise<Daemons<ManifestInput, string>>;
