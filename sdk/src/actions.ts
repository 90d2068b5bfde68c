import type { ManifestInput } from './manifest.js';
import { parseInput, type InputOf, type InputSchema } from './input.js';
import type { ImageIdsOf, RunOptions, RunOutcome, SettingsOf } from './context.js';

export { parseInput, type InputField, type InputOf, type InputSchema } from './input.js';
import { HearthError } from './errors.js';

export interface ExecOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** What an action's code may do: run commands in the service's daemons. */
export interface ActionContext<S extends InputSchema, Daemon extends string, M extends ManifestInput = ManifestInput> {
  input: InputOf<S>;
  /** The service's settings, as `hearth config` shows them. */
  settings: SettingsOf<M>;
  /** Runs a command in a running daemon's filesystem, as its user. */
  exec: (daemon: Daemon, command: string[], options?: { env?: Record<string, string>; timeoutMs?: number }) => Promise<ExecOutcome>;
  /** Runs a one-off process in one of the package's images (its own overlay), whether or not the service's daemons run. */
  run: (image: ImageIdsOf<M>, command: string[], options?: RunOptions<M>) => Promise<RunOutcome>;
}

/** What the runtime lends an action besides its input (the third argument of `run` stays `exec`, for packages built before). */
export interface ActionTools {
  settings: Record<string, string | number | boolean>;
  run: (image: string, command: string[], options?: RunOptions) => Promise<RunOutcome>;
}

export interface ActionResult {
  /** Shown to the user. */
  message: string;
  /** Returned to scripts (`--json`). */
  data?: unknown;
}

export interface ActionDefinition<S extends InputSchema, Daemon extends string, M extends ManifestInput = ManifestInput> {
  name: string;
  description: string;
  /** @default {} */
  input?: S;
  run: (ctx: ActionContext<S, Daemon, M>) => Promise<ActionResult> | ActionResult;
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
  private constructor(private readonly defs: Map<string, ActionDefinition<InputSchema, Daemon, M>>) {}

  static of<M extends ManifestInput, Daemon extends string>(): Actions<M, Daemon> {
    return new Actions(new Map());
  }

  add<S extends InputSchema>(id: string, def: ActionDefinition<S, Daemon, M>): Actions<M, Daemon> {
    const defs = new Map(this.defs);
    defs.set(id, def as unknown as ActionDefinition<InputSchema, Daemon, M>);
    return new Actions(defs);
  }

  list(): ActionInfo[] {
    return [...this.defs.entries()].map(([id, d]) => ({ id, name: d.name, description: d.description, input: d.input ?? {} }));
  }

  async run(id: string, raw: Record<string, unknown>, exec: ActionContext<InputSchema, Daemon, M>['exec'], tools?: ActionTools): Promise<ActionResult> {
    const def = this.defs.get(id);
    if (!def) throw new HearthError('INVALID_PARAMS', `there is no action ${JSON.stringify(id)}`, { hint: `actions: ${[...this.defs.keys()].join(', ') || 'none'}` });
    const input = parseInput(def.input ?? {}, raw);
    const run: ActionTools['run'] =
      tools?.run ??
      (() => Promise.reject(new HearthError('INTERNAL', 'this hearth cannot run one-off processes', { hint: 'update hearth' })));
    return await def.run({ input: input as InputOf<InputSchema>, settings: (tools?.settings ?? {}) as SettingsOf<M>, exec, run: run as ActionContext<InputSchema, Daemon, M>['run'] });
  }
}
