import type { DaemonSpec } from '../daemons.js';
import { HearthError } from '../errors.js';

/**
 * A package's bundled module exports `manifest` and `main`. The runtime calls this to get the daemons,
 * checking the shape instead of `instanceof`: the package bundles its own copy of the SDK.
 */
export async function daemonsOfModule(mod: unknown): Promise<DaemonSpec[]> {
  const main = (mod as { main?: unknown } | null)?.main;
  if (typeof main !== 'function') {
    throw new HearthError('MANIFEST_INVALID', 'the package module does not export a main function', {
      hint: 'export const main = () => Daemons.of(manifest).add(...) from the package entry',
    });
  }
  const daemons: unknown = await (main as () => unknown)();
  const toSpec = (daemons as { toSpec?: unknown } | null)?.toSpec;
  if (typeof toSpec !== 'function') {
    throw new HearthError('MANIFEST_INVALID', 'main() did not return Daemons', { hint: 'return Daemons.of(manifest)...' });
  }
  return (toSpec as () => DaemonSpec[]).call(daemons);
}
