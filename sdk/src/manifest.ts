import type { InputSchema } from './input.js';
import type { BackupDeclaration, BackupPolicy } from './backup-policy.js';

/**
 * The manifest's types: what an author writes (`ManifestInput`) and what an archive stores
 * (`Manifest`). Validation, defaults and limits are in manifest-validation.ts.
 */

/**
 * Where an image's root filesystem comes from at pack time. Paths are relative to the package folder.
 * - `directory`: a tree on disk (owners are not kept: everything is root's)
 * - `tarball`: a rootfs `.tar` / `.tar.gz`
 * - `oci-layout`: an OCI image layout directory (`skopeo copy docker://postgres:16 oci:dir:16`)
 * - `docker-archive`: a `docker save` file
 * - `debootstrap`: a Debian system built from Debian's repositories
 */
export type ImageSource =
  | { type: 'directory'; path: string }
  | { type: 'tarball'; path: string }
  | { type: 'oci-layout'; path: string; tag?: string }
  | { type: 'docker-archive'; path: string; tag?: string }
  | {
      type: 'debootstrap';
      /** @example 'bookworm' */
      suite: string;
      /** @default 'minbase' */
      variant?: 'minbase' | 'buildd' | 'fakechroot';
      /** Extra packages. @default [] */
      packages?: string[];
      /** @default 'http://deb.debian.org/debian' */
      mirror?: string;
    };

export interface ImageDeclaration {
  source: ImageSource;
  /**
   * Files copied on top of the source, like a Dockerfile COPY: `from` relative to the package
   * folder (a file or a directory), `to` absolute in the image. Not for `directory` sources (put
   * the files in the directory).
   * @example [{ from: 'build/app', to: '/opt/app' }]
   */
  add?: { from: string; to: string }[];
}

export interface InterfaceDeclaration {
  /** Human name, shown by `hearth status`. */
  name: string;
  /** The port the daemon listens on inside the container (on 127.0.0.1 or any address). */
  port: number;
  /** @default 'http' */
  protocol?: 'http' | 'tcp';
}

/** How a secret gets its value. */
export interface SecretDeclaration {
  /** Shown by `hearth secret ls`. */
  description?: string;
  /**
   * Generated at install (and by `hearth secret rotate`) with this many characters of the alphabet.
   * Without it the user supplies the value (`hearth secret set`), and the service does not start
   * until they have.
   * @example { length: 32 }
   */
  generate?: { length?: number; alphabet?: SecretAlphabet };
}

/** `alphanumeric`: A-Z a-z 0-9; `hex`: 0-9 a-f; `base64url`: A-Z a-z 0-9 - _. */
export type SecretAlphabet = 'alphanumeric' | 'hex' | 'base64url';

/** What a package author writes; `defineManifest` keeps the literal ids for typed daemons. */
export interface ManifestInput {
  /** Lowercase letters, digits and dashes, starting with a letter: `hello-world`. */
  id: string;
  title: string;
  /** Semantic version: `1.2.3` or `1.2.3-beta.1`. */
  version: string;
  description?: string;
  license?: string;
  /** Where the software comes from: https://… */
  upstreamUrl?: string;
  /** Where this package's source lives: https://… */
  packageUrl?: string;
  images: Record<string, ImageDeclaration>;
  /** Ids of persistent volumes, mounted at `/media/hearth/volumes/<id>` and into daemons that ask. */
  volumes?: readonly string[];
  interfaces?: Record<string, InterfaceDeclaration>;
  /** Limits for the whole service (its one container). */
  resources?: Resources;
  /**
   * Other packages this one needs installed, by id, with a semver range (`^1.2.0`, `>=16 <17`, `*`),
   * and the interfaces of theirs it connects to: only those are reachable from this service, at
   * `<id>.hearth` and the interface's port, and this service starts once they are ready.
   * @example { postgres: { version: '^16.0.0', interfaces: ['db'] } }
   */
  dependencies?: Record<string, DependencyDeclaration>;
  /** What the service may reach beyond its dependencies. @default { outbound: false } */
  network?: NetworkDeclaration;
  /**
   * Secrets by name: kept by hearthd outside the container, given to the daemons that name them
   * as files at `/run/secrets/<name>` on a tmpfs of their own, redacted from logs and results.
   * @example { 'db-password': { generate: { length: 32 } } }
   */
  secrets?: Record<string, SecretDeclaration>;
  /**
   * Settings the user changes with `hearth config set` (the field types of action inputs, with
   * defaults): package code gets them in `main`, file render functions, actions and hooks.
   * @example { title: { type: 'string', default: 'Notes' }, pageSize: { type: 'number', default: 20 } }
   */
  settings?: InputSchema;
  /**
   * How `hearth backup` takes a consistent copy: `cold` stops the service while its volumes are
   * read; `hot` keeps it running and calls the `beforeBackup`/`afterBackup`/`afterRestore` hooks.
   * @default { mode: 'cold' }
   * @example { mode: 'hot', exclude: ['db'] }
   */
  backup?: BackupDeclaration;
}

export interface DependencyDeclaration {
  version: string;
  /** Interface ids of the dependency this service connects to. @default [] */
  interfaces?: readonly string[];
}

export interface NetworkDeclaration {
  /**
   * Ask for connections to the internet and the LAN (updates, federation, feeds). The user sees the
   * request at install and can revoke it; without it nothing leaves the service but replies.
   * @default false
   */
  outbound?: boolean;
}

export interface Resources {
  /**
   * Memory limit of the whole service, tmpfs files (`/run`, `/dev/shm`) included; a daemon past it
   * is killed and reported as out of memory. Every service has one, so no package can take the host's
   * memory. @default 1024
   */
  memoryMiB?: number;
  /** CPU time as a number of CPUs (0.5 = half of one). @default no limit */
  cpus?: number;
  /** Processes and threads. @default 1024 */
  pids?: number;
  /**
   * Disk for the daemons' writable layers (what they write outside volumes, thrown away at stop): a
   * write past it fails with "no space left" inside the container, never filling the host's disk.
   * @default 2048
   */
  scratchMiB?: number;
}

/** The validated manifest as stored in `manifest.json` of an archive. */
export interface Manifest {
  id: string;
  title: string;
  version: string;
  description: string;
  license: string;
  images: Record<string, ImageDeclaration>;
  volumes: string[];
  upstreamUrl: string;
  packageUrl: string;
  interfaces: Record<string, Required<InterfaceDeclaration>>;
  resources: { memoryMiB: number; cpus: number | null; pids: number; scratchMiB: number };
  dependencies: Record<string, { version: string; interfaces: string[] }>;
  network: { outbound: boolean };
  secrets: Record<string, { description: string; generate: { length: number; alphabet: SecretAlphabet } | null }>;
  settings: InputSchema;
  /** Absent from manifests packed before it: those are cold (`backupPolicyOf`). */
  backup?: BackupPolicy;
  sdkVersion: string;
}

/** Keeps the literal types of ids so `Daemons` can only name declared images and volumes. */
export function defineManifest<const M extends ManifestInput>(manifest: M): M {
  return manifest;
}

export {
  validateManifest,
  isSemverRange,
  DEFAULT_PIDS,
  DEFAULT_MEMORY_MIB,
  DEFAULT_SCRATCH_MIB,
  SDK_VERSION,
  MAX_MANIFEST_BYTES,
} from './manifest-validation.js';
