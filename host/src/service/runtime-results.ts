import { HearthError, MAX_RUN_OUTPUT_BYTES, MAX_TRANSFER_BYTES, type ActionInfo, type DaemonStatus, type InputSchema, type RuntimeMethods, type RuntimePhase } from '@hearth/sdk/contract';
import type { RpcPeer } from '@hearth/sdk/rpc';
import { MAX_DAEMON_ID_CHARS, MAX_SIGNAL_CHARS, MAX_STATUS_MESSAGE_CHARS, cutString, isCount, isRecord, isShortString, parseDaemonStatus, parseDaemonUsage, parseHookReport } from './runtime-input.js';

/**
 * The results of requests hearthd makes to a container's runtime, checked before use: a runtime
 * under container root's control may answer anything, and a wrong shape must become a clear error,
 * not a TypeError deep in hearthd or a value passed on to clients unchecked.
 */

/** More daemons or actions than any package declares. */
export const MAX_RESULT_ITEMS = 1000;
export const MAX_ACTION_TEXT_CHARS = 4 * 1024;
/** Base64 of the largest file a transfer carries. */
const MAX_BASE64_CHARS = Math.ceil(MAX_TRANSFER_BYTES / 3) * 4;
const INPUT_TYPES: ReadonlySet<string> = new Set(['string', 'number', 'boolean']);

type Method = keyof RuntimeMethods;
type Parsers = { [M in Method]: (value: unknown) => RuntimeMethods[M]['result'] | null };

/** `{[key]: item[]}` with every item parsed, or null if the list or any item is refused. */
function listOf<T>(value: unknown, key: string, parse: (item: unknown) => T | null): T[] | null {
  if (!isRecord(value)) return null;
  const items = value[key];
  if (!Array.isArray(items) || items.length > MAX_RESULT_ITEMS) return null;
  const parsed = items.map(parse);
  return parsed.includes(null) ? null : (parsed as T[]);
}

function parseInputSchema(value: unknown): InputSchema | null {
  if (!isRecord(value) || Object.keys(value).length > MAX_RESULT_ITEMS) return null;
  const schema: InputSchema = Object.create(null) as InputSchema;
  for (const [key, field] of Object.entries(value)) {
    if (!isRecord(field) || typeof field.type !== 'string' || !INPUT_TYPES.has(field.type)) return null;
    if (field.required !== undefined && typeof field.required !== 'boolean') return null;
    if (field.default !== undefined && typeof field.default !== field.type) return null;
    const description = field.description === undefined ? undefined : cutString(field.description, MAX_ACTION_TEXT_CHARS);
    const limits = inputLimits(field);
    if (description === null || limits === null) return null;
    schema[key] = {
      type: field.type,
      ...(description !== undefined && { description }),
      ...(field.required !== undefined && { required: field.required }),
      ...(field.default !== undefined && { default: field.default }),
      ...limits,
    } as InputSchema[string];
  }
  return schema;
}

/** A field's limits as the runtime reports them: finite numbers and a boolean, or null (the whole reply is refused). */
function inputLimits(field: Record<string, unknown>): Record<string, number | boolean> | null {
  const limits: Record<string, number | boolean> = {};
  for (const key of ['min', 'max', 'maxLength'] as const) {
    const value = field[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) return null;
    limits[key] = value;
  }
  if (field.integer !== undefined) {
    if (typeof field.integer !== 'boolean') return null;
    limits.integer = field.integer;
  }
  return limits;
}

function parseAction(value: unknown): ActionInfo | null {
  if (!isRecord(value) || !isShortString(value.id, MAX_DAEMON_ID_CHARS)) return null;
  const name = cutString(value.name, MAX_ACTION_TEXT_CHARS);
  const description = cutString(value.description, MAX_ACTION_TEXT_CHARS);
  const input = parseInputSchema(value.input);
  if (name === null || description === null || input === null) return null;
  return { id: value.id, name, description, input };
}

const daemons = (value: unknown): { daemons: DaemonStatus[] } | null => {
  const list = listOf(value, 'daemons', parseDaemonStatus);
  return list === null ? null : { daemons: list };
};

function parseExit(value: unknown): { exitCode: number | null; signal: string | null; timedOut: boolean } | null {
  if (!isRecord(value)) return null;
  const { exitCode, signal, timedOut } = value;
  if (!(exitCode === null || Number.isSafeInteger(exitCode)) || !(signal === null || isShortString(signal, MAX_SIGNAL_CHARS)) || typeof timedOut !== 'boolean') return null;
  return { exitCode: exitCode as number | null, signal, timedOut };
}

/** A one-off process's output as the runtime keeps it (bytes of UTF-8 are at most that many characters). */
const MAX_RUN_OUTPUT_CHARS = MAX_RUN_OUTPUT_BYTES;

const PHASES: readonly RuntimePhase[] = ['loaded', 'starting', 'started', 'stopping', 'stopped'];

const PARSERS: Parsers = {
  'runtime.loaded': (value) => (isRecord(value) && typeof value.ok === 'boolean' ? { ok: value.ok } : null),
  'runtime.start': daemons,
  'runtime.stop': daemons,
  'runtime.status': (value) => {
    const parsed = daemons(value);
    if (parsed === null || !isRecord(value)) return null;
    // An older runtime names no phase; adoption then judges by the daemons' states.
    if (value.phase === undefined) return parsed;
    return PHASES.includes(value.phase as RuntimePhase) ? { ...parsed, phase: value.phase as RuntimePhase } : null;
  },
  'runtime.stats': (value) => {
    const list = listOf(value, 'daemons', parseDaemonUsage);
    return list === null ? null : { daemons: list };
  },
  'runtime.hook': (value) => {
    if (!isRecord(value)) return null;
    if (value.report === null) return { report: null };
    const report = parseHookReport(value.report);
    return report === null ? null : { report };
  },
  'runtime.cancelExec': (value) => (isRecord(value) && typeof value.cancelled === 'boolean' ? { cancelled: value.cancelled } : null),
  'runtime.exec': parseExit,
  'runtime.run': (value) => {
    const exit = parseExit(value);
    if (exit === null || !isRecord(value)) return null;
    const { stdout, stderr } = value;
    if (!isShortString(stdout, MAX_RUN_OUTPUT_CHARS) || !isShortString(stderr, MAX_RUN_OUTPUT_CHARS)) return null;
    return { ...exit, stdout, stderr };
  },
  'runtime.reconfigure': (value) => {
    const parsed = daemons(value);
    if (parsed === null || !isRecord(value)) return null;
    const ids = (key: string): string[] | null => {
      const list = value[key];
      return Array.isArray(list) && list.length <= MAX_RESULT_ITEMS && list.every((id) => isShortString(id, MAX_DAEMON_ID_CHARS)) ? (list) : null;
    };
    const [restarted, added, removed] = [ids('restarted'), ids('added'), ids('removed')];
    return restarted === null || added === null || removed === null ? null : { ...parsed, restarted, added, removed };
  },
  'runtime.putFile': (value) => (isRecord(value) && isCount(value.size) ? { size: value.size } : null),
  'runtime.fetchFile': (value) => {
    if (!isRecord(value) || !isShortString(value.contentBase64, MAX_BASE64_CHARS) || !isCount(value.size)) return null;
    return { contentBase64: value.contentBase64, size: value.size };
  },
  'runtime.listActions': (value) => {
    const list = listOf(value, 'actions', parseAction);
    return list === null ? null : { actions: list };
  },
  'runtime.runAction': (value) => {
    if (!isRecord(value)) return null;
    const message = cutString(value.message, MAX_STATUS_MESSAGE_CHARS);
    // `data` is the action's own output for scripts; bounded in size and depth by the connection.
    return message === null ? null : { message, ...(value.data !== undefined && { data: value.data }) };
  },
};

export function checkRuntimeResult<M extends Method>(method: M, value: unknown): RuntimeMethods[M]['result'] {
  const parsed = (PARSERS[method] as (value: unknown) => RuntimeMethods[M]['result'] | null)(value);
  if (parsed === null) {
    throw new HearthError('CONTAINER_FAILED', `the container runtime answered ${method} with a result of the wrong shape`, {
      hint: 'the service misbehaves or its runtime is not hearth’s; restart the service, and see runtime.log in its log directory',
      details: { method },
    });
  }
  return parsed;
}

/** A request to the runtime whose result is checked before anyone uses it. */
export async function requestRuntime<M extends Method>(runtime: RpcPeer, method: M, params: RuntimeMethods[M]['params'], timeoutMs?: number): Promise<RuntimeMethods[M]['result']> {
  return checkRuntimeResult(method, await runtime.request<unknown>(method, params, timeoutMs));
}
