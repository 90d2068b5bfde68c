import type { DaemonSpec, ImageConfig, Manifest } from '@hearth/sdk/contract';

/**
 * What an export maps: the validated manifest, the daemons its `main` returned, each image's
 * config, the files rendered at export time, and the secret values known then. Plain data, so
 * the mapping is pure and unit-tested without an archive.
 */
export interface ExportInput {
  manifest: Manifest;
  specs: DaemonSpec[];
  images: ReadonlyMap<string, ImageConfig>;
  /** Every file of every daemon, rendered with the settings below. */
  files: RenderedFile[];
  /** Settings the files and `main` saw (defaults for a .hpk). */
  settings: Record<string, unknown>;
  /** Values of the generated secrets; user-supplied ones are absent. */
  secrets: Record<string, string>;
  /** Image reference for an image id, `--registry` applied. */
  imageRef: (image: string) => string;
  /** `{ uid, gid }` of a user name in an image's /etc/passwd, or null when unknown (no image at hand). */
  userIds: (image: string, name: string) => { uid: number; gid: number } | null;
}

export interface RenderedFile {
  daemon: string;
  path: string;
  mode: number;
  owner: string | null;
  content: string;
  secretsRead: string[];
}

/** One line of the README's "not mapped" list, also printed by the CLI. */
export interface Caveat {
  /** The daemon, volume, or `service` it is about. */
  subject: string;
  message: string;
}

/** A Kubernetes object as plain data. */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, unknown>;

export interface ExportResult {
  /** File name (`statefulset.yaml`) → its objects, in the order they are applied. */
  files: { name: string; objects: KubeObject[] }[];
  mapped: string[];
  caveats: Caveat[];
}

/** Every object goes in this namespace: a dependency's Service `<id>` in it answers at `<id>.hearth`, the name hearth gives it. */
export const KUBE_NAMESPACE = 'hearth';
export const MANAGED_BY = 'hearth-kube-export';
