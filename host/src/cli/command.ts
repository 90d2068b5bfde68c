import { HearthError } from '@hearth/sdk/contract';
import type { HostClient } from './client.js';

/** Every flag any command takes, parsed once by main.ts (node:util parseArgs, strict). */
export const OPTIONS = {
  socket: { type: 'string' },
  json: { type: 'boolean', default: false },
  purge: { type: 'boolean', default: false },
  'no-wait': { type: 'boolean', default: false },
  full: { type: 'boolean', default: false },
  yes: { type: 'boolean', short: 'y', default: false },
  'allow-untrusted': { type: 'boolean', default: false },
  name: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  daemon: { type: 'string' },
  since: { type: 'string' },
  tail: { type: 'string' },
  follow: { type: 'boolean', short: 'f', default: false },
  volume: { type: 'string' },
  input: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  user: { type: 'string' },
  to: { type: 'string' },
  from: { type: 'string' },
  target: { type: 'string' },
  snapshot: { type: 'string' },
  all: { type: 'boolean', default: false },
  'password-stdin': { type: 'boolean', default: false },
  'read-data': { type: 'boolean', default: false },
  keep: { type: 'string' },
  out: { type: 'string' },
  registry: { type: 'string' },
  'no-images': { type: 'boolean', default: false },
  key: { type: 'string' },
} as const;

export interface Flags {
  socket?: string;
  json: boolean;
  purge: boolean;
  'no-wait': boolean;
  full: boolean;
  yes: boolean;
  'allow-untrusted': boolean;
  name?: string;
  help: boolean;
  daemon?: string;
  since?: string;
  tail?: string;
  follow: boolean;
  volume?: string;
  input?: string[];
  timeout?: string;
  user?: string;
  to?: string;
  from?: string;
  target?: string;
  snapshot?: string;
  all: boolean;
  'password-stdin': boolean;
  'read-data': boolean;
  keep?: string;
  out?: string;
  registry?: string;
  'no-images': boolean;
  key?: string;
}

/** What a command gets: its name as typed, its arguments, the flags, and helpers bound to them. */
export interface CommandContext {
  command: string;
  args: string[];
  values: Flags;
  socket: string;
  /** One JSON value with --json, else the text. */
  print: (value: unknown, text: string) => void;
  /** Connect, run, disconnect. */
  run: (fn: (client: HostClient) => Promise<void>) => Promise<void>;
  /** The single argument, or a usage error naming `what`. */
  oneArg: (what: string) => string;
}

/** A command of `hearth`: the names it answers to, its lines of `--help`, what it does. */
export interface Command {
  names: readonly string[];
  usage: string;
  run(ctx: CommandContext): Promise<void>;
}

export const MAX_TIMEOUT_MS = 3_600_000;

export function usageError(message: string): HearthError {
  return new HearthError('INVALID_PARAMS', message, { hint: 'run `hearth --help` for usage' });
}

/** `--timeout MS`: a positive whole number of milliseconds, at most an hour (what hearthd accepts). */
export function timeoutFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0 || ms > MAX_TIMEOUT_MS) throw usageError(`--timeout ${value} must be a whole number of ms from 1 to ${MAX_TIMEOUT_MS}`);
  return ms;
}
