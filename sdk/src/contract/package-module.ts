import type { DaemonSpec, FileRenderer } from '../daemons.js';
import type { MainContext } from '../context.js';
import { HOOK_NAMES, type HookName } from '../hooks.js';
import type { ManifestInput } from '../manifest.js';
import type { CheckFunction } from '../health.js';
import { HearthError } from '../errors.js';
import type { ActionInfo, ActionResult, ActionTools, ExecOutcome } from '../actions.js';

export interface PackageDaemons {
  specs: DaemonSpec[];
  /** Function health checks stay in the package module; the runtime looks them up by ref. */
  checkFunction(ref: string): CheckFunction | undefined;
  /** File render functions stay in the package module too (`null` from a package built before files existed). */
  fileRenderer(ref: string): FileRenderer | undefined;
}

/**
 * A package's bundled module exports `manifest` and `main`. The runtime calls this to get the daemons,
 * checking the shape instead of `instanceof`: the package bundles its own copy of the SDK.
 */
export async function daemonsOfModule(mod: unknown, ctx: MainContext<ManifestInput>): Promise<PackageDaemons> {
  const main = (mod as { main?: unknown } | null)?.main;
  if (typeof main !== 'function') {
    throw new HearthError('MANIFEST_INVALID', 'the package module does not export a main function', {
      hint: 'export const main = () => Daemons.of(manifest).add(...) from the package entry',
    });
  }
  const daemons = (await (main as (ctx: MainContext<ManifestInput>) => unknown)(ctx)) as { toSpec?: unknown; checkFunction?: unknown; fileRenderer?: unknown } | null;
  if (typeof daemons?.toSpec !== 'function' || typeof daemons.checkFunction !== 'function') {
    throw new HearthError('MANIFEST_INVALID', 'main() did not return Daemons', { hint: 'return Daemons.of(manifest).add(...)' });
  }
  // A package built with an SDK from before secrets and files has neither field.
  const specs = (daemons.toSpec as () => DaemonSpec[]).call(daemons).map((s) => ({ ...s, secrets: s.secrets ?? [], files: s.files ?? [] }));
  const lookup = daemons.checkFunction as (ref: string) => CheckFunction | undefined;
  const render = typeof daemons.fileRenderer === 'function' ? (daemons.fileRenderer as (ref: string) => FileRenderer | undefined) : () => undefined;
  return { specs, checkFunction: (ref) => lookup.call(daemons, ref), fileRenderer: (ref) => render.call(daemons, ref) };
}

export interface PackageActions {
  list(): ActionInfo[];
  run(id: string, input: Record<string, unknown>, exec: (daemon: string, command: string[], options?: { env?: Record<string, string>; timeoutMs?: number }) => Promise<ExecOutcome>, tools?: ActionTools): Promise<ActionResult>;
}

/** The module's `actions` export, if it has one (checked by shape: the package bundles its own SDK). */
export function actionsOfModule(mod: unknown): PackageActions | null {
  const actions = (mod as { actions?: unknown } | null)?.actions as { list?: unknown; run?: unknown } | undefined;
  if (actions === undefined) return null;
  if (typeof actions.list !== 'function' || typeof actions.run !== 'function') {
    throw new HearthError('MANIFEST_INVALID', 'the package exports `actions` that are not Actions', { hint: 'export const actions = Actions.of<typeof manifest, Daemon>().add(...)' });
  }
  return actions as unknown as PackageActions;
}

/** The module's `hooks` export: an object of functions by hook name (unknown names are refused, so a typo is not silently ignored). */
export type PackageHooks = Partial<Record<HookName, (ctx: unknown, event?: unknown) => unknown>>;

export function hooksOfModule(mod: unknown): PackageHooks {
  const hooks = (mod as { hooks?: unknown } | null)?.hooks;
  if (hooks === undefined) return {};
  if (typeof hooks !== 'object' || hooks === null) throw new HearthError('MANIFEST_INVALID', 'the package exports `hooks` that is not an object', { hint: 'export const hooks = defineHooks<typeof manifest>({ ... })' });
  const out: PackageHooks = {};
  for (const [name, fn] of Object.entries(hooks)) {
    if (!(HOOK_NAMES as readonly string[]).includes(name) || typeof fn !== 'function') {
      throw new HearthError('MANIFEST_INVALID', `the package's hooks.${name} is not a hook function`, { hint: `hooks are ${HOOK_NAMES.join(', ')}` });
    }
    out[name as HookName] = fn as (ctx: unknown, event?: unknown) => unknown;
  }
  return out;
}
