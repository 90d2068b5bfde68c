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

/** Read what the host bound in (verified at install) and run the package's `main` to get its daemons. */
export async function loadPackage(packageDir: string): Promise<LoadedPackage> {
  const manifest = JSON.parse(await readFile(join(packageDir, 'manifest.json'), 'utf8')) as Manifest;
  const images = new Map<string, ImageConfig>();
  for (const id of Object.keys(manifest.images)) {
    images.set(id, JSON.parse(await readFile(join(packageDir, 'images', `${id}.json`), 'utf8')) as ImageConfig);
  }
  const mod: unknown = await import(pathToFileURL(join(packageDir, 'index.mjs')).href);
  return { manifest, daemons: await daemonsOfModule(mod), actions: actionsOfModule(mod), images };
}
