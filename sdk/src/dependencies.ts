import { HearthError } from './errors.js';
import type { ManifestInput } from './manifest.js';

/**
 * Where the runtime puts what hearthd said of the service's dependencies, before package code runs.
 * A registered symbol: the package bundles its own copy of the SDK, and both copies see the same key.
 */
export const DEPENDENCIES_KEY = Symbol.for('hearth.dependencies');

/** One interface of a dependency, as this service reaches it. */
export interface DependencyAddress {
  /** `<id>.hearth`, in every daemon's /etc/hosts. */
  host: string;
  port: number;
  /** `http://<id>.hearth:<port>/` for an http interface, `tcp://…` for a tcp one. */
  url: string;
}

/** What the runtime provides: per dependency id, its interfaces this service declared. */
export type ProvidedDependencies = Record<string, { host: string; interfaces: Record<string, { port: number; protocol: 'http' | 'tcp' }> }>;

type DependencyIds<M extends ManifestInput> = keyof NonNullable<M['dependencies']> & string;
type InterfaceIds<M extends ManifestInput, D extends DependencyIds<M>> = NonNullable<NonNullable<M['dependencies']>[D]['interfaces']>[number] & string;

/**
 * The address of an interface of a declared dependency, typed by the manifest: only a declared
 * dependency and an interface it lists compile. Call it in `main` (the runtime provides the
 * ports before package code runs); while packing or inspecting, when no hearthd said anything,
 * the port is 0.
 * @example
 * const db = dependencyAddress(manifest, 'postgres', 'db');
 * env: { DATABASE_URL: `postgres://app@${db.host}:${db.port}/app` }
 */
export function dependencyAddress<M extends ManifestInput, D extends DependencyIds<M>>(manifest: M, dependency: D, iface: InterfaceIds<M, D>): DependencyAddress {
  const declared = manifest.dependencies?.[dependency]?.interfaces ?? [];
  if (!declared.includes(iface)) {
    throw new HearthError('MANIFEST_INVALID', `${manifest.id} does not declare interface ${iface} of ${dependency}`, { hint: `add it to dependencies.${dependency}.interfaces` });
  }
  const provided = (globalThis as Record<symbol, ProvidedDependencies | undefined>)[DEPENDENCIES_KEY];
  const host = `${dependency}.hearth`;
  if (provided === undefined) return { host, port: 0, url: `http://${host}:0/` };
  const found = Object.hasOwn(provided, dependency) ? provided[dependency]?.interfaces[iface] : undefined;
  if (found === undefined) {
    throw new HearthError('DEPENDENCY_MISSING', `${dependency} is not reachable from ${manifest.id} at its interface ${iface}`, {
      hint: `install ${dependency} (with an interface ${iface}), and run hearthd with its bridge network (not --network none)`,
    });
  }
  const scheme = found.protocol === 'http' ? 'http' : 'tcp';
  return { host, port: found.port, url: `${scheme}://${host}:${found.port}${scheme === 'http' ? '/' : ''}` };
}
