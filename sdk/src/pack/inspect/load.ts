import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { verifyArchive } from '../../archive/reader.js';
import type { ImageConfig } from '../../contract/paths.js';
import { HearthError } from '../../errors.js';
import { validateManifest } from '../../manifest.js';
import { bundlePackage, readPackageEntry } from '../bundle.js';
import { DEFAULT_IMAGE_CONFIG } from '../images/defaults.js';
import { inImage } from '../images/errors.js';
import { baseSource } from '../sources/index.js';
import { describePackage, type PackageDescription } from './describe.js';
import { evaluatePackage } from './evaluate.js';

/** A signed archive: the manifest and image configs it carries, the daemons its code declares. */
async function inspectArchive(path: string): Promise<{ description: PackageDescription; archive: Awaited<ReturnType<typeof verifyArchive>> }> {
  const archive = await verifyArchive(path);
  const code = archive.files.get('scripts/index.js');
  if (code === undefined) throw new HearthError('ARCHIVE_MISSING_MEMBER', `${path} has no scripts/index.js`, { hint: 're-pack it with hearth-pack' });
  const { specs } = await evaluatePackage(code, path);
  const configs = new Map(archive.images.map((i) => [i.id, i.config]));
  const sizes = new Map(archive.images.map((i) => [i.id, i.size]));
  return { description: { ...describePackage(archive.manifest, specs, configs, sizes), signer: archive.signer }, archive };
}

/** A package folder, without building it: its code bundled, image configs read from the sources (OCI, docker save) or their defaults. */
async function inspectFolder(dir: string): Promise<PackageDescription> {
  const code = await bundlePackage(await readPackageEntry(dir), dir);
  const evaluated = await evaluatePackage(code, dir);
  const manifest = validateManifest(evaluated.manifest);
  const configs = new Map<string, ImageConfig>();
  for (const [id, decl] of Object.entries(manifest.images)) {
    const { source } = decl;
    configs.set(id, source.type === 'directory' ? DEFAULT_IMAGE_CONFIG : await inImage(id, 'source', () => baseSource(dir, source).config()));
  }
  return describePackage(manifest, evaluated.specs, configs);
}

export interface Inspection {
  description: PackageDescription;
  /** For an archive: its members, as the archive's index lists them. */
  members?: { name: string; size: number; sha256: string }[];
}

/** `hearth-pack inspect TARGET`: a .hpk file or a package folder. */
export async function inspectTarget(target: string): Promise<Inspection> {
  const path = resolve(target);
  const info = await stat(path).catch(() => null);
  if (info === null) throw new HearthError('INVALID_PARAMS', `${target} does not exist`, { hint: 'inspect takes a .hpk file or a package folder' });
  if (info.isDirectory()) return { description: await inspectFolder(path) };
  const { description, archive } = await inspectArchive(path);
  return { description, members: archive.members.map(({ name, size, sha256 }) => ({ name, size, sha256 })) };
}
