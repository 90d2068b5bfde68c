import { HearthError, defaultSettings, validateManifest } from '@hearth/sdk/contract';
import { verifyArchive } from '@hearth/sdk/archive';
import { generateSecret } from '../secrets/generate.js';
import { evaluateForExport } from './evaluate.js';
import { mapService } from './map.js';
import type { Caveat, ExportInput } from './model.js';
import { lookupUser, readPasswd } from './passwd.js';
import { readmeOf } from './readme.js';
import { writeManifests } from './write.js';

/** Image references without `--registry`: Podman and CRI-O look `localhost/…` up in local storage. */
export const DEFAULT_REGISTRY = 'localhost/hearth';
const REGISTRY_RE = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

export interface ExportOptions {
  archive: string;
  out: string;
  registry?: string;
  /** Write each image as an OCI image layout under `out/images/` (the slow part: the squashfs is unpacked). */
  images?: (input: { archive: string; images: { id: string; ref: string; offset: number; config: ExportInput['images'] extends ReadonlyMap<string, infer C> ? C : never }[]; out: string }) => Promise<Map<string, string>>;
}

export interface ExportReport {
  dir: string;
  files: string[];
  images: { id: string; ref: string; layout: string | null }[];
  caveats: Caveat[];
}

export function imageRef(registry: string, pkg: string, image: string, version: string): string {
  if (!REGISTRY_RE.test(registry)) {
    throw new HearthError('INVALID_PARAMS', `--registry ${JSON.stringify(registry)} is not a registry and path`, { hint: 'write --registry registry.example.org:5000/team' });
  }
  // A tag is at most 128 of [A-Za-z0-9_.-]: semver's + is not among them.
  return `${registry}/${pkg}-${image}:${version.replace(/\+/g, '_')}`;
}

/** `hearth kube export FILE.hpk`: manifests (and images) for Kubernetes, from a verified archive. */
export async function exportArchive(options: ExportOptions): Promise<ExportReport> {
  const archive = await verifyArchive(options.archive);
  const manifest = validateManifest(archive.manifest);
  const code = archive.files.get('scripts/index.js');
  if (code === undefined) throw new HearthError('ARCHIVE_MISSING_MEMBER', `${options.archive} has no scripts/index.js`, { hint: 're-pack it with hearth-pack' });
  const settings = defaultSettings(manifest.settings);
  const secrets: Record<string, string> = {};
  for (const [name, decl] of Object.entries(manifest.secrets)) if (decl.generate !== null) secrets[name] = generateSecret(decl.generate);
  const { specs, files } = await evaluateForExport(code, settings, secrets, options.archive);
  const registry = options.registry ?? DEFAULT_REGISTRY;
  const refs = new Map(archive.images.map((i) => [i.id, imageRef(registry, manifest.id, i.id, manifest.version)]));
  const passwd = new Map<string, string>();
  for (const i of archive.images) passwd.set(i.id, await readPasswd(options.archive, i.offset));
  const input: ExportInput = {
    manifest,
    specs,
    images: new Map(archive.images.map((i) => [i.id, i.config])),
    files,
    settings,
    secrets,
    imageRef: (id) => refs.get(id) ?? imageRef(registry, manifest.id, id, manifest.version),
    userIds: (image, name) => lookupUser(passwd.get(image) ?? '', name),
  };
  const result = mapService(input);
  const layouts = options.images === undefined ? new Map<string, string>() : await options.images({ archive: options.archive, images: archive.images.map((i) => ({ id: i.id, ref: refs.get(i.id) ?? '', offset: i.offset, config: i.config })), out: options.out });
  const images = archive.images.map((i) => ({ id: i.id, ref: refs.get(i.id) ?? '', layout: layouts.get(i.id) ?? null }));
  const written = await writeManifests(options.out, result.files, readmeOf(manifest.id, manifest.version, result, images));
  return { dir: options.out, files: written, images, caveats: result.caveats };
}
