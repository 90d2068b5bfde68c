import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HearthError, MAX_MANIFEST_BYTES, actionsOfModule, checkSecretsDeclared, daemonsOfModule, hooksOfModule, validateManifest, type ImageConfig, type Manifest, type PackageActions, type PackageDaemons, type PackageHooks } from '@hearth/sdk/contract';
import { readSettingsFile, settingsFor, type Settings } from './settings.js';

export interface LoadedPackage {
  manifest: Manifest;
  /** The module, kept: `main` runs again when the settings change. */
  module: unknown;
  /** What `main` returned for `settings`. */
  daemons: PackageDaemons;
  settings: Settings;
  actions: PackageActions | null;
  hooks: PackageHooks;
  images: Map<string, ImageConfig>;
}

/** The daemons `main` returns for these settings, each naming only declared secrets. */
export async function daemonsFor(mod: unknown, manifest: Manifest, settings: Settings): Promise<PackageDaemons> {
  const daemons = await daemonsOfModule(mod, { settings });
  checkSecretsDeclared(daemons.specs, manifest);
  return daemons;
}

/**
 * scripts/runtime-loader.cjs starts the runtime from a V8 snapshot or code cache, and code deserialized in
 * another process than the one that made the cache cannot import(); the loader lends its own.
 */
const IMPORT_HOOK = Symbol.for('hearth.importModule');

function importModule(url: string): Promise<unknown> {
  const hook = (globalThis as Record<symbol, unknown>)[IMPORT_HOOK];
  return typeof hook === 'function' ? (hook as (specifier: string) => Promise<unknown>)(url) : import(url);
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  if (text.length > MAX_MANIFEST_BYTES) throw new HearthError('MANIFEST_INVALID', `${file} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HearthError('MANIFEST_INVALID', `${file} is not JSON: ${(error as Error).message}`, { hint: 'reinstall the package' });
  }
}

/**
 * Read what the host bound in and run the package's `main` (with the settings hearthd wrote) to get its daemons. The manifest is
 * validated here too, as at pack and install time: the runtime runs only what the schema allows.
 */
export async function loadPackage(packageDir: string, settingsFile: string): Promise<LoadedPackage> {
  const manifest = validateManifest(await readJson(join(packageDir, 'manifest.json')));
  const images = new Map<string, ImageConfig>();
  for (const id of Object.keys(manifest.images)) images.set(id, (await readJson(join(packageDir, 'images', `${id}.json`))) as ImageConfig);
  const mod: unknown = await importModule(pathToFileURL(join(packageDir, 'index.mjs')).href);
  const settings = settingsFor(manifest.settings, await readSettingsFile(settingsFile));
  return { manifest, module: mod, daemons: await daemonsFor(mod, manifest, settings), settings, actions: actionsOfModule(mod), hooks: hooksOfModule(mod), images };
}
