import { HOOK_NAMES, MAX_STATUS_MESSAGE_CHARS as MAX_PACKAGE_MESSAGE_CHARS, type DaemonState, type DaemonStatus, type DaemonUsage, type ExecOutput, type HookReport, type LogEntry } from '@hearth/sdk/contract';

/**
 * Parsers for what a container's runtime sends: container root controls that connection, so every
 * value is checked field by field and rebuilt from known fields only, with strings bounded, before
 * hearthd stores it, logs it or passes it to a client. `null` means the value is refused.
 */

/** A daemon's log line is cut to this many characters (the rest is dropped, the entry kept). */
export const MAX_LOG_LINE_CHARS = 16 * 1024;
export const MAX_DAEMON_ID_CHARS = 128;
/** Exec ids are UUIDs that hearthd made; anything longer matches nothing. */
export const MAX_EXEC_ID_CHARS = 64;
/** One chunk of exec output; the runtime sends pipe-sized chunks, far smaller. */
export const MAX_EXEC_CHUNK_CHARS = 1024 * 1024;
export const MAX_STATUS_MESSAGE_CHARS = 4 * 1024;
export const MAX_SIGNAL_CHARS = 32;
/** `lastLines` of a failed daemon: the last this many are kept. */
export const MAX_LAST_LINES = 50;
/** Secrets a daemon names: no manifest declares more (manifest-validation.ts). */
export const MAX_DAEMON_SECRETS = 64;
const MAX_SECRET_NAME_CHARS = 64;
/** Daemons one daemon requires: no more than a package may declare. */
export const MAX_DAEMON_REQUIRES = 64;
/** A hook's error as shown in status and the log. */
export const MAX_HOOK_ERROR_CHARS = 4 * 1024;

const DAEMON_STATES: ReadonlySet<string> = new Set<DaemonState>(['waiting', 'starting', 'ready', 'not-ready', 'restarting', 'stopping', 'stopped', 'exited', 'failed']);
const STREAMS: ReadonlySet<string> = new Set(['stdout', 'stderr']);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const isShortString = (value: unknown, maxChars: number): value is string => typeof value === 'string' && value.length <= maxChars;
export const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
export const isAmount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** A string cut to `maxChars`, or null when it is not a string. */
export const cutString = (value: unknown, maxChars: number): string | null => (typeof value === 'string' ? value.slice(0, maxChars) : null);

/** An optional field: undefined when absent, null when present but refused. */
function optional<T>(value: unknown, parse: (value: unknown) => T | null): T | undefined | null {
  return value === undefined ? undefined : parse(value);
}

export function parseDaemonStatus(value: unknown): DaemonStatus | null {
  if (!isRecord(value)) return null;
  const { id, state, since } = value;
  if (!isShortString(id, MAX_DAEMON_ID_CHARS) || typeof state !== 'string' || !DAEMON_STATES.has(state) || !isTime(since)) return null;
  const message = optional(value.message, (v) => cutString(v, MAX_STATUS_MESSAGE_CHARS));
  const pid = optional(value.pid, (v) => (isCount(v) ? v : null));
  const exitCode = optional(value.exitCode, (v) => (Number.isSafeInteger(v) ? (v as number) : null));
  const signal = optional(value.signal, (v) => (isShortString(v, MAX_SIGNAL_CHARS) ? v : null));
  const kind = optional(value.kind, (v) => (v === 'daemon' || v === 'task' ? v : null));
  const restarts = optional(value.restarts, (v) => (isCount(v) ? v : null));
  const lastLines = optional(value.lastLines, (v) => {
    if (!Array.isArray(v) || !v.every((line) => typeof line === 'string')) return null;
    return (v).slice(-MAX_LAST_LINES).map((line) => line.slice(0, MAX_LOG_LINE_CHARS));
  });
  const secrets = optional(value.secrets, (v) =>
    Array.isArray(v) && v.length <= MAX_DAEMON_SECRETS && v.every((name) => isShortString(name, MAX_SECRET_NAME_CHARS)) ? (v) : null,
  );
  const requires = optional(value.requires, (v) =>
    Array.isArray(v) && v.length <= MAX_DAEMON_REQUIRES && v.every((dep) => isShortString(dep, MAX_DAEMON_ID_CHARS)) ? (v) : null,
  );
  if ([message, pid, exitCode, signal, kind, requires, restarts, lastLines, secrets].includes(null)) return null;
  return {
    id,
    state: state as DaemonState,
    since,
    ...(message != null && { message }),
    ...(pid != null && { pid }),
    ...(exitCode != null && { exitCode }),
    ...(signal != null && { signal }),
    ...(kind != null && { kind }),
    ...(requires != null && { requires: [...requires] }),
    ...(restarts != null && { restarts }),
    ...(lastLines != null && { lastLines }),
    ...(secrets != null && { secrets: [...secrets] }),
  };
}

/** `runtime.message`: the text a hook set for `hearth status` (cut to the contract's bound), or null to clear it. */
export function parseMessage(value: unknown): { text: string | null } | null {
  if (!isRecord(value)) return null;
  if (value.text === null) return { text: null };
  const text = cutString(value.text, MAX_PACKAGE_MESSAGE_CHARS);
  return text === null ? null : { text };
}

const HOOKS: ReadonlySet<string> = new Set(HOOK_NAMES);

export function parseHookReport(value: unknown): HookReport | null {
  if (!isRecord(value)) return null;
  const { hook, ok, durationMs, time } = value;
  if (typeof hook !== 'string' || !HOOKS.has(hook) || typeof ok !== 'boolean' || !isAmount(durationMs) || !isTime(time)) return null;
  const error = optional(value.error, (v) => cutString(v, MAX_HOOK_ERROR_CHARS));
  if (error === null) return null;
  return { hook, ok, durationMs, time, ...(error !== undefined && { error }) };
}

export function parseLogEntry(value: unknown): LogEntry | null {
  if (!isRecord(value)) return null;
  const { daemon, stream, line, time } = value;
  if (!isShortString(daemon, MAX_DAEMON_ID_CHARS) || typeof stream !== 'string' || !STREAMS.has(stream) || typeof line !== 'string' || !isTime(time)) return null;
  return { daemon, stream: stream as LogEntry['stream'], line: line.slice(0, MAX_LOG_LINE_CHARS), time };
}

export function parseExecOutput(value: unknown): ExecOutput | null {
  if (!isRecord(value)) return null;
  const { execId, stream, data } = value;
  if (!isShortString(execId, MAX_EXEC_ID_CHARS) || typeof stream !== 'string' || !STREAMS.has(stream) || typeof data !== 'string') return null;
  return { execId, stream: stream as ExecOutput['stream'], data: data.slice(0, MAX_EXEC_CHUNK_CHARS) };
}

export function parseDaemonUsage(value: unknown): DaemonUsage | null {
  if (!isRecord(value)) return null;
  const { id, memoryBytes, pids, cpuSeconds } = value;
  if (!isShortString(id, MAX_DAEMON_ID_CHARS) || !isAmount(memoryBytes) || !isCount(pids) || !isAmount(cpuSeconds)) return null;
  return { id, memoryBytes, pids, cpuSeconds };
}
