import type { InputOf, InputSchema } from './input.js';
import type { ManifestInput } from './manifest.js';

/**
 * What package code is given when it runs: the service's settings (as `hearth config set` left
 * them, defaults filled), and for file rendering the values of its secrets.
 */

type SettingsSchemaOf<M extends ManifestInput> = M['settings'] extends InputSchema ? M['settings'] : Record<never, never>;
/** The typed settings of a manifest: fields with a default or `required` are always set. */
export type SettingsOf<M extends ManifestInput> = InputOf<SettingsSchemaOf<M>>;
/** Secret names a manifest declares. */
export type SecretIds<M extends ManifestInput> = Extract<keyof NonNullable<M['secrets']>, string>;
export type ImageIdsOf<M extends ManifestInput> = Extract<keyof M['images'], string>;
export type VolumeIdsOf<M extends ManifestInput> = M['volumes'] extends readonly (infer V)[] ? V & string : never;

/** What `main` receives: it may build a different set of daemons for different settings. */
export interface MainContext<M extends ManifestInput> {
  settings: SettingsOf<M>;
}

/** What a file's render function receives, at every start (and when a setting or secret changes). */
export interface FileContext<M extends ManifestInput> {
  settings: SettingsOf<M>;
  /**
   * Secret values by name. A file that reads one is written to the daemon's secrets tmpfs and
   * bind-mounted at its path (never to disk); other files go to the daemon's writable layer.
   */
  secrets: Record<SecretIds<M>, string>;
}

/** A one-off process in one of the package's images: its own fresh overlay, removed when it exits. */
export interface RunOptions<M extends ManifestInput = ManifestInput> {
  /** Volumes to mount, as a daemon's `mounts`. @default [] */
  mounts?: readonly { volume: VolumeIdsOf<M>; path: string; readonly?: boolean }[];
  /** `uid[:gid]` or a user of the image. @default the image's user */
  user?: string;
  /** Added to the image's environment. @default {} */
  env?: Record<string, string>;
  /** @default the image's workdir */
  workdir?: string;
  /** Secrets to give it at /run/secrets/<name>, as a daemon's `secrets`. @default [] */
  secrets?: readonly SecretIds<M>[];
  /** Killed (with what it started) after this long. @default 60000 */
  timeoutMs?: number;
}

export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** At most MAX_RUN_OUTPUT_BYTES of each, the end kept. */
  stdout: string;
  stderr: string;
}

/** Output of a one-off process kept for its caller, per stream: the end is kept past this. */
export const MAX_RUN_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_RUN_TIMEOUT_MS = 60_000;
