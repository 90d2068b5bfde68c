import type { ManifestInput } from './manifest.js';
import { dict, ownValue } from './dict.js';
import { HearthError } from './errors.js';

/** One field of an action's input. */
export type InputField =
  | { type: 'string'; description?: string; required?: boolean; default?: string }
  | { type: 'number'; description?: string; required?: boolean; default?: number }
  | { type: 'boolean'; description?: string; required?: boolean; default?: boolean };

export type InputSchema = Record<string, InputField>;

type ValueOf<F extends InputField> = F['type'] extends 'string' ? string : F['type'] extends 'number' ? number : boolean;
/** The typed input a `run` function receives: required fields and fields with defaults are always set. */
export type InputOf<S extends InputSchema> = {
  [K in keyof S as S[K]['required'] extends true ? K : S[K] extends { default: unknown } ? K : never]: ValueOf<S[K]>;
} & {
  [K in keyof S as S[K]['required'] extends true ? never : S[K] extends { default: unknown } ? never : K]?: ValueOf<S[K]>;
};

export interface ExecOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** What an action's code may do: run commands in the service's daemons. */
export interface ActionContext<S extends InputSchema, Daemon extends string> {
  input: InputOf<S>;
  exec: (daemon: Daemon, command: string[], options?: { env?: Record<string, string>; timeoutMs?: number }) => Promise<ExecOutcome>;
}

export interface ActionResult {
  /** Shown to the user. */
  message: string;
  /** Returned to scripts (`--json`). */
  data?: unknown;
}

export interface ActionDefinition<S extends InputSchema, Daemon extends string> {
  name: string;
  description: string;
  /** @default {} */
  input?: S;
  run: (ctx: ActionContext<S, Daemon>) => Promise<ActionResult> | ActionResult;
}

/** An action as the host lists it (plain data). */
export interface ActionInfo {
  id: string;
  name: string;
  description: string;
  input: InputSchema;
}

/**
 * Things a user can do to a running service beyond start and stop: reset a password, export data.
 *
 * @example
 * export const actions = Actions.of<typeof manifest, 'web'>().add('export', {
 *   name: 'Export', description: 'Write all notes to the files volume',
 *   input: { pretty: { type: 'boolean', default: false } },
 *   run: async ({ input, exec }) => ({ message: (await exec('web', ['node', 'export.js', String(input.pretty)])).stdout }),
 * });
 */
export class Actions<M extends ManifestInput, Daemon extends string> {
  private constructor(private readonly defs: Map<string, ActionDefinition<InputSchema, Daemon>>) {}

  static of<M extends ManifestInput, Daemon extends string>(): Actions<M, Daemon> {
    return new Actions(new Map());
  }

  add<S extends InputSchema>(id: string, def: ActionDefinition<S, Daemon>): Actions<M, Daemon> {
    const defs = new Map(this.defs);
    defs.set(id, def as unknown as ActionDefinition<InputSchema, Daemon>);
    return new Actions(defs);
  }

  list(): ActionInfo[] {
    return [...this.defs.entries()].map(([id, d]) => ({ id, name: d.name, description: d.description, input: d.input ?? {} }));
  }

  async run(id: string, raw: Record<string, unknown>, exec: ActionContext<InputSchema, Daemon>['exec']): Promise<ActionResult> {
    const def = this.defs.get(id);
    if (!def) throw new HearthError('INVALID_PARAMS', `there is no action ${JSON.stringify(id)}`, { hint: `actions: ${[...this.defs.keys()].join(', ') || 'none'}` });
    const input = parseInput(def.input ?? {}, raw);
    return await def.run({ input: input as InputOf<InputSchema>, exec });
  }
}

/** Check and convert an action's input: strings from the CLI become numbers and booleans as the schema says. */
export function parseInput(schema: InputSchema, raw: Record<string, unknown>): Record<string, string | number | boolean> {
  const out = dict<string | number | boolean>();
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(schema, key)) throw new HearthError('INVALID_PARAMS', `unknown input ${JSON.stringify(key)}`, { hint: `inputs: ${Object.keys(schema).join(', ') || 'none'}` });
  }
  for (const [key, field] of Object.entries(schema)) {
    let value = ownValue(raw, key);
    if (value === undefined) {
      if (field.default !== undefined) out[key] = field.default;
      else if (field.required) throw new HearthError('INVALID_PARAMS', `input ${key} (${field.type}) is required`, { hint: field.description ?? '' });
      continue;
    }
    if (field.type === 'number' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) value = Number(value);
    if (field.type === 'boolean' && (value === 'true' || value === 'false')) value = value === 'true';
    if (typeof value !== field.type) {
      throw new HearthError('INVALID_PARAMS', `input ${key} must be a ${field.type}, got ${JSON.stringify(value)}`, { hint: field.description ?? '' });
    }
    out[key] = value as string | number | boolean;
  }
  return out;
}
