import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { actionsOfModule, daemonsOfModule, type ImageConfig, type Manifest, type PackageActions, type PackageDaemons } from '@hearth/sdk/contract';

export interface LoadedPackage {
  manifest: Manifest;
  daemons: PackageDaemons;
  actions: PackageActions | null;
  images: Map<string, ImageConfig>;
}

/**
 * scripts/runtime-loader.cjs starts the runtime from V8's code cache, and code deserialized in
 * another process than the one that made the cache cannot import(); the loader lends its own.
 */
const IMPORT_HOOK = Symbol.for('hearth.importModule');

function importModule(url: string): Promise<unknown> {
  const hook = (globalThis as Record<symbol, unknown>)[IMPORT_HOOK];
  return typeof hook === 'function' ? (hook as (specifier: string) => Promise<unknown>)(url) : import(url);
}

/** Read what the host bound in (verified at install) and run the package's `main` to get its daemons. */
export async function loadPackage(packageDir: string): Promise<LoadedPackage> {
  const manifest = JSON.parse(await readFile(join(packageDir, 'manifest.json'), 'utf8')) as Manifest;
  const images = new Map<string, ImageConfig>();
  for (const id of Object.keys(manifest.images)) {
    images.set(id, JSON.parse(await readFile(join(packageDir, 'images', `${id}.json`), 'utf8')) as ImageConfig);
  }
  const mod: unknown = await importModule(pathToFileURL(join(packageDir, 'index.mjs')).href);
  return { manifest, daemons: await daemonsOfModule(mod), actions: actionsOfModule(mod), images };
}
