import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ImageConfig } from '../../contract/paths.js';
import { HearthError } from '../../errors.js';
import { applyLayer } from './apply-layer.js';

/** What OCI layouts and `docker save` archives share: descriptors, blobs checked by digest, the image config, layers. */

export interface Descriptor {
  mediaType?: string;
  digest: string;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string };
}

/** Reads a small file of the image (index, manifest, config) by its path relative to the layout; null when absent. */
export type SmallFileReader = (relPath: string) => Promise<Buffer | null>;

export interface ResolvedImage {
  config: ImageConfig;
  /** Layer files relative to the layout, bottom first, each with the sha256 its bytes must have. */
  layers: { path: string; sha256: string }[];
}

const EXPORT_HINT = 'export the image again (docker save / skopeo copy oci:...)';

/** `field`: the manifest field under `images.<id>.source` the error is about (`tag`), when not the path. */
export function fail(message: string, hint = EXPORT_HINT, field?: string): never {
  throw new HearthError('PACK_FAILED', message, { hint, ...(field !== undefined && { details: { field } }) });
}

export function parseJson<T>(bytes: Buffer | null, what: string): T {
  if (bytes === null) fail(`${what} is missing`);
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (error) {
    fail(`${what} is not JSON: ${(error as Error).message}`);
  }
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/** `sha256:<hex>` as the relative path of its blob. */
export function blobPath(digest: string, where: string): { path: string; sha256: string } {
  const [algorithm, hex] = digest.split(':');
  if (algorithm !== 'sha256' || hex === undefined || !/^[0-9a-f]{64}$/.test(hex)) fail(`${where}: unsupported digest ${digest}`);
  return { path: `blobs/sha256/${hex}`, sha256: hex };
}

/** A blob small enough to read whole, checked against its digest. */
async function smallBlob(read: SmallFileReader, digest: string, where: string): Promise<Buffer> {
  const { path, sha256: hex } = blobPath(digest, where);
  const bytes = await read(path);
  if (bytes === null) fail(`${where}: blob ${digest} is missing`);
  if (sha256(bytes) !== hex) fail(`${where}: blob ${digest} does not match its digest`);
  return bytes;
}

export function configOf(config: { config?: Record<string, unknown> }): ImageConfig {
  const c = config.config ?? {};
  const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null);
  return {
    entrypoint: strings(c['Entrypoint']),
    cmd: strings(c['Cmd']),
    env: strings(c['Env']) ?? [],
    workdir: typeof c['WorkingDir'] === 'string' && c['WorkingDir'] !== '' ? c['WorkingDir'] : '/',
    user: typeof c['User'] === 'string' && c['User'] !== '' ? c['User'] : 'root',
  };
}

/** Nested image indexes followed before giving up. */
const MAX_INDEX_DEPTH = 3;

/** The image an OCI `index.json` names (by tag, or the only one), its config and its layers. */
export async function resolveOciIndex(read: SmallFileReader, tag: string | undefined, where: string): Promise<ResolvedImage> {
  const index = parseJson<{ manifests?: Descriptor[] }>(await read('index.json'), `${where}/index.json`);
  const manifests = index.manifests ?? [];
  const found = tag === undefined ? manifests[0] : manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!found) {
    const tags = manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name']).filter(Boolean);
    fail(`${where}: no image${tag ? ` tagged ${tag}` : ''} in index.json${tags.length ? ` (tags: ${tags.join(', ')})` : ''}`, 'check the tag, or leave it out to take the only image', 'tag');
  }
  let chosen: Descriptor = found;
  for (let depth = 0; depth < MAX_INDEX_DEPTH; depth += 1) {
    const doc = parseJson<{ manifests?: Descriptor[]; layers?: Descriptor[]; config?: Descriptor }>(await smallBlob(read, chosen.digest, where), `${where}: ${chosen.digest}`);
    if (doc.manifests) {
      // An image index: take linux/amd64, the only platform hearth runs here.
      chosen = doc.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ?? fail(`${where}: no linux/amd64 image in the index`, 'export the linux/amd64 image (skopeo copy --override-arch amd64)');
      continue;
    }
    if (!doc.config || !doc.layers) fail(`${where}: ${chosen.digest} is not an image manifest`);
    const config = parseJson<{ config?: Record<string, unknown> }>(await smallBlob(read, doc.config.digest, where), `${where}: config ${doc.config.digest}`);
    return { config: configOf(config), layers: doc.layers.map((l) => blobPath(l.digest, where)) };
  }
  fail(`${where}: image indexes nest too deeply`);
}

/** A layer's bytes as a tar stream: gzip is detected by its magic bytes, not trusted from a media type. */
async function layerStream(path: string): Promise<Readable> {
  const file = await open(path, 'r');
  const magic = Buffer.alloc(4);
  try {
    await file.read(magic, 0, 4, 0);
  } finally {
    await file.close();
  }
  if (magic.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) {
    fail(`layer ${path} is zstd-compressed, which hearth-pack does not read yet`, 'export the image with gzip layers (docker save, or skopeo copy --dest-compress-format gzip)');
  }
  const raw = createReadStream(path, { highWaterMark: 1024 * 1024 });
  return magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
}

/** Check each layer file against its digest, then apply them bottom first (whiteouts honoured). */
export async function applyLayers(layers: { file: string; sha256: string; name: string }[], target: string, where: string, owners: boolean): Promise<void> {
  for (const { file, sha256: hex, name } of layers) {
    if ((await sha256File(file)) !== hex) fail(`${where}: layer ${name} does not match its digest sha256:${hex}`);
  }
  for (const [i, { file }] of layers.entries()) {
    await applyLayer(await layerStream(file), target, `${where} layer ${i + 1}/${layers.length}`, { whiteouts: true, owners });
  }
}
