import type { ImageConfig } from '../../contract/paths.js';
import type { DaemonSpec, MountSpec } from '../../daemons.js';
import { HearthError } from '../../errors.js';
import type { HealthCheckSpec } from '../../health.js';
import type { ImageDeclaration, Manifest } from '../../manifest.js';
import type { InputSchema } from '../../input.js';
import { resolveRun, type ResolvedRun } from './resolve.js';

/** What `hearth-pack inspect` reports: what will run, in which image, as whom. */
export interface PackageDescription {
  id: string;
  title: string;
  version: string;
  signer?: { publicKey: string; fingerprint: string };
  images: ImageDescription[];
  daemons: DaemonDescription[];
  volumes: string[];
  interfaces: Manifest['interfaces'];
  /** Declared secrets: generated at install, or set by the user (`hearth secret set`). Never values. */
  secrets: { name: string; description: string; generated: boolean }[];
  settings: InputSchema;
}

export interface ImageDescription {
  id: string;
  source: ImageDeclaration['source'];
  add: NonNullable<ImageDeclaration['add']>;
  /** The config as imported from the source (entrypoint, cmd, env, workdir, user). */
  config: ImageConfig;
  /** Bytes of the squashfs, for an archive. */
  size?: number;
}

export interface DaemonDescription extends ResolvedRun {
  id: string;
  kind: DaemonSpec['kind'];
  image: string;
  requires: string[];
  ready: HealthCheckSpec | null;
  live: HealthCheckSpec | null;
  mounts: MountSpec[];
  restart: DaemonSpec['restart']['mode'];
  stopSignal: DaemonSpec['stopSignal'];
  stopTimeoutMs: number;
  /** Secrets it reads at /run/secrets/<name>. */
  secrets: string[];
  /** Files rendered into its root before every start (their content depends on settings and secrets). */
  files: { path: string; mode: number; owner: string | null }[];
}

export function describePackage(manifest: Manifest, specs: readonly DaemonSpec[], configs: ReadonlyMap<string, ImageConfig>, sizes: ReadonlyMap<string, number> = new Map()): PackageDescription {
  const images = Object.keys(manifest.images)
    .sort()
    .map((id): ImageDescription => {
      const decl = manifest.images[id];
      const config = configs.get(id);
      if (decl === undefined || config === undefined) throw new HearthError('INTERNAL', `image ${id} has no config`, { hint: 'a bug in hearth-pack inspect: report it' });
      const size = sizes.get(id);
      return { id, source: decl.source, add: decl.add ?? [], config, ...(size !== undefined && { size }) };
    });
  const daemons = specs.map((spec): DaemonDescription => {
    const config = configs.get(spec.image) ?? { entrypoint: null, cmd: null, env: [], workdir: '/', user: 'root' };
    return {
      id: spec.id,
      kind: spec.kind,
      image: spec.image,
      ...resolveRun(spec, config),
      requires: spec.requires,
      ready: spec.ready,
      live: spec.live,
      mounts: spec.mounts,
      restart: spec.restart.mode,
      stopSignal: spec.stopSignal,
      stopTimeoutMs: spec.stopTimeoutMs,
      secrets: spec.secrets,
      files: spec.files.map((f) => ({ path: f.path, mode: f.mode, owner: f.owner })),
    };
  });
  const secrets = Object.entries(manifest.secrets).map(([name, s]) => ({ name, description: s.description, generated: s.generate !== null }));
  return { id: manifest.id, title: manifest.title, version: manifest.version, images, daemons, volumes: manifest.volumes, interfaces: manifest.interfaces, secrets, settings: manifest.settings };
}
