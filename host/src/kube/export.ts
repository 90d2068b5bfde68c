import { HearthError, defaultSettings, validateManifest, type ImageConfig, type Manifest } from '@hearth/sdk/contract';
import { verifyArchive } from '@hearth/sdk/archive';
import { generateSecret } from '../secrets/generate.js';
import { evaluateForExport } from './evaluate.js';
import { mapService } from './map.js';
import { podmanPod } from './podman.js';
import type { Caveat, ExportInput, ExportResult } from './model.js';
import { lookupUser, readPasswd } from './passwd.js';
import { readmeOf } from './readme.js';
import { writeManifests } from './write.js';
import type { ImageLayouts, ImageToExport } from './oci/layouts.js';

/** Image references without `--registry`: Podman and CRI-O look `localhost/…` up in local storage. */
export const DEFAULT_REGISTRY = 'localhost/hearth';
const REGISTRY_RE = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

export interface ExportOptions {
  archive: string;
  out: string;
  registry?: string;
  /** Write each image as an OCI image layout under `out/images/` (the slow part: the squashfs is unpacked). */
  images?: (input: { archive: string; images: ImageToExport[]; out: string }) => Promise<ImageLayouts>;
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

/** What an export needs besides the package's code: its image configs, and users' ids when the images are at hand. */
export interface ModuleSource {
  manifest: Manifest;
  code: Buffer;
  configs: ReadonlyMap<string, ImageConfig>;
  registry?: string;
  userIds?: ExportInput['userIds'];
  what: string;
}

/**
 * The mapping's input from a package module: `main` and the render functions run with the
 * default settings and freshly generated secrets. Works without images (a package folder's
 * bundle), when users named by name cannot be resolved (a caveat says so).
 */
export async function inputFromModule(source: ModuleSource): Promise<ExportInput> {
  const { manifest } = source;
  const settings = defaultSettings(manifest.settings);
  const secrets: Record<string, string> = {};
  for (const [name, decl] of Object.entries(manifest.secrets)) if (decl.generate !== null) secrets[name] = generateSecret(decl.generate);
  const { specs, files } = await evaluateForExport(source.code, settings, secrets, source.what);
  const registry = source.registry ?? DEFAULT_REGISTRY;
  return {
    manifest,
    specs,
    images: source.configs,
    files,
    settings,
    secrets,
    imageRef: (id) => imageRef(registry, manifest.id, id, manifest.version),
    userIds: source.userIds ?? (() => null),
  };
}

/** `hearth kube export FILE.hpk`: manifests (and images) for Kubernetes, from a verified archive. */
export async function exportArchive(options: ExportOptions): Promise<ExportReport> {
  const archive = await verifyArchive(options.archive);
  const manifest = validateManifest(archive.manifest);
  const code = archive.files.get('scripts/index.js');
  if (code === undefined) throw new HearthError('ARCHIVE_MISSING_MEMBER', `${options.archive} has no scripts/index.js`, { hint: 're-pack it with hearth-pack' });
  const passwd = new Map<string, string>();
  for (const i of archive.images) passwd.set(i.id, await readPasswd(options.archive, i.offset));
  const input = await inputFromModule({
    manifest,
    code,
    configs: new Map(archive.images.map((i) => [i.id, i.config])),
    ...(options.registry !== undefined && { registry: options.registry }),
    userIds: (image, name) => lookupUser(passwd.get(image) ?? '', name),
    what: options.archive,
  });
  const result = withPodmanVariant(mapService(input));
  const toExport = archive.images.map((i) => ({ id: i.id, ref: input.imageRef(i.id), offset: i.offset, config: i.config }));
  const { layouts, skipped } = options.images === undefined ? { layouts: new Map<string, string>(), skipped: new Map<string, string[]>() } : await options.images({ archive: options.archive, images: toExport, out: options.out });
  for (const [id, paths] of skipped) result.caveats.push({ subject: `image ${id}`, message: `left out of its layer (device nodes, fifos, sockets; an engine makes /dev itself): ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` and ${paths.length - 5} more` : ''}` });
  const images = toExport.map((i) => ({ id: i.id, ref: i.ref, layout: layouts.get(i.id) ?? null }));
  const written = await writeManifests(options.out, result.files, readmeOf(manifest.id, manifest.version, result, images));
  return { dir: options.out, files: written, images, caveats: result.caveats };
}

/**
 * `podman.yaml` for `podman kube play` (tested on Podman 4.3): the config objects and the pod of
 * the StatefulSet; when Podman cannot express the graph, a caveat says why instead.
 */
function withPodmanVariant(result: ExportResult): ExportResult {
  const all = result.files.flatMap((f) => f.objects);
  const set = all.find((o) => o.kind === 'StatefulSet');
  if (set === undefined) return result;
  try {
    const objects = [...all.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret'), ...podmanPod(set)];
    return { ...result, files: [...result.files, { name: 'podman.yaml', objects }], mapped: [...result.mapped, 'podman.yaml: the pod for `podman kube play` (claims as Podman volumes; restartPolicy OnFailure, so each task runs once there)'] };
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'KUBE_EXPORT_UNSUPPORTED') throw error;
    return { ...result, caveats: [...result.caveats, { subject: 'podman', message: `no podman.yaml: ${(error as Error).message}` }] };
  }
}
