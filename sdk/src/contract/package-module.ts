import type { DaemonSpec } from '../daemons.js';
import type { CheckFunction } from '../health.js';
import { HearthError } from '../errors.js';
import type { ActionInfo, ActionResult, ExecOutcome } from '../actions.js';

export interface PackageDaemons {
  specs: DaemonSpec[];
  /** Function health checks stay in the package module; the runtime looks them up by ref. */
  checkFunction(ref: string): CheckFunction | undefined;
}

/**
 * A package's bundled module exports `manifest` and `main`. The runtime calls this to get the daemons,
 * checking the shape instead of `instanceof`: the package bundles its own copy of the SDK.
 */
export async function daemonsOfModule(mod: unknown): Promise<PackageDaemons> {
  const main = (mod as { main?: unknown } | null)?.main;
  if (typeof main !== 'function') {
    throw new HearthError('MANIFEST_INVALID', 'the package module does not export a main function', {
      hint: 'export const main = () => Daemons.of(manifest).add(...) from the package entry',
    });
  }
  const daemons = (await (main as () => unknown)()) as { toSpec?: unknown; checkFunction?: unknown } | null;
  if (typeof daemons?.toSpec !== 'function' || typeof daemons.checkFunction !== 'function') {
    throw new HearthError('MANIFEST_INVALID', 'main() did not return Daemons', { hint: 'return Daemons.of(manifest).add(...)' });
  }
  const specs = (daemons.toSpec as () => DaemonSpec[]).call(daemons);
  const lookup = daemons.checkFunction as (ref: string) => CheckFunction | undefined;
  return { specs, checkFunction: (ref) => lookup.call(daemons, ref) };
}

export interface PackageActions {
  list(): ActionInfo[];
  run(id: string, input: Record<string, unknown>, exec: (daemon: string, command: string[], options?: { env?: Record<string, string>; timeoutMs?: number }) => Promise<ExecOutcome>): Promise<ActionResult>;
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
