import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ImageConfig } from '../../contract/paths.js';
import { HearthError } from '../../errors.js';
import { applyLayer } from './apply-layer.js';

/** OCI image layouts and `docker save` archives, flattened into one root filesystem. */

interface Descriptor {
  mediaType?: string;
  digest: string;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string };
}

function fail(message: string, hint = 'export the image again (docker save / skopeo copy oci:...)'): never {
  throw new HearthError('PACK_FAILED', message, { hint });
}

async function readJson<T>(path: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    fail(`${what}: cannot read ${path}: ${(error as Error).message}`);
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/** A layer's bytes as a tar stream: gzip is detected by its magic bytes, not trusted from a media type. */
async function layerStream(path: string): Promise<Readable> {
  const file = await open(path, 'r');
  const magic = Buffer.alloc(4);
  await file.read(magic, 0, 4, 0);
  await file.close();
  const raw = createReadStream(path, { highWaterMark: 1024 * 1024 });
  if (magic[0] === 0x1f && magic[1] === 0x8b) return raw.pipe(createGunzip());
  if (magic.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) {
    raw.destroy();
    fail(`layer ${path} is zstd-compressed, which hearth-pack does not read yet`, 'export the image with gzip layers (docker save, or skopeo copy --dest-compress-format gzip)');
  }
  return raw;
}

function configOf(config: { config?: Record<string, unknown> }): ImageConfig {
  const c = config.config ?? {};
  const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v) : null);
  return {
    entrypoint: strings(c['Entrypoint']),
    cmd: strings(c['Cmd']),
    env: strings(c['Env']) ?? [],
    workdir: typeof c['WorkingDir'] === 'string' && c['WorkingDir'] !== '' ? c['WorkingDir'] : '/',
    user: typeof c['User'] === 'string' && c['User'] !== '' ? c['User'] : 'root',
  };
}

async function applyLayers(layers: string[], target: string, what: string, owners: boolean): Promise<void> {
  for (const [i, layer] of layers.entries()) {
    await applyLayer(await layerStream(layer), target, `${what} layer ${i + 1}/${layers.length}`, { whiteouts: true, owners });
  }
}

/** An OCI image layout directory: every blob is checked against its digest before it is used. */
export async function flattenOciLayout(dir: string, tag: string | undefined, target: string, owners: boolean): Promise<ImageConfig> {
  const blob = async (digest: string): Promise<string> => {
    const [algorithm, hex] = digest.split(':');
    if (algorithm !== 'sha256' || !/^[0-9a-f]{64}$/.test(hex ?? '')) fail(`${dir}: unsupported digest ${digest}`);
    const path = join(dir, 'blobs', 'sha256', hex ?? '');
    if (!existsSync(path)) fail(`${dir}: blob ${digest} is missing`);
    if ((await sha256File(path)) !== hex) fail(`${dir}: blob ${digest} does not match its digest`);
    return path;
  };
  const index = await readJson<{ manifests?: Descriptor[] }>(join(dir, 'index.json'), dir);
  const manifests = index.manifests ?? [];
  const found = tag === undefined ? manifests[0] : manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!found) fail(`${dir}: no image${tag ? ` tagged ${tag}` : ''} in index.json`, 'check the tag, or leave it out to take the only image');
  let chosen: Descriptor = found;
  for (let depth = 0; depth < 3; depth += 1) {
    const doc: { manifests?: Descriptor[]; layers?: Descriptor[]; config?: Descriptor } = await readJson(await blob(chosen.digest), dir);
    if (doc.manifests) {
      // An image index: take linux/amd64, the only platform hearth runs here.
      chosen = doc.manifests.find((m: Descriptor) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ?? fail(`${dir}: no linux/amd64 image in the index`);
      continue;
    }
    if (!doc.config || !doc.layers) fail(`${dir}: ${chosen.digest} is not an image manifest`);
    const config = await readJson<{ config?: Record<string, unknown> }>(await blob(doc.config.digest), dir);
    const layers: string[] = [];
    for (const layer of doc.layers) layers.push(await blob(layer.digest));
    await applyLayers(layers, target, dir, owners);
    return configOf(config);
  }
  fail(`${dir}: image indexes nest too deeply`);
}

/** A `docker save` archive: unpacked to a scratch dir, then read as docker's manifest.json (or as OCI, which newer docker writes). */
export async function flattenDockerArchive(archive: string, tag: string | undefined, target: string, owners: boolean): Promise<ImageConfig> {
  const scratch = await mkdtemp(join(tmpdir(), 'hearth-docker-'));
  try {
    await applyLayer(createReadStream(archive), scratch, archive, { whiteouts: false, owners: false });
    const manifestPath = join(scratch, 'manifest.json');
    if (!existsSync(manifestPath) && existsSync(join(scratch, 'index.json'))) return await flattenOciLayout(scratch, tag, target, owners);
    const manifest = await readJson<{ Config: string; RepoTags?: string[] | null; Layers: string[] }[]>(manifestPath, archive);
    const entry = tag === undefined ? manifest[0] : manifest.find((m) => (m.RepoTags ?? []).includes(tag));
    if (!entry) fail(`${archive}: no image${tag ? ` tagged ${tag}` : ''} in manifest.json`, 'check the tag, or leave it out to take the first image');
    const config = await readJson<{ config?: Record<string, unknown>; rootfs?: { diff_ids?: string[] } }>(join(scratch, entry.Config), archive);
    const layers = entry.Layers.map((l) => join(scratch, l));
    // The config names each layer by the digest of its uncompressed tar: check them.
    const diffIds = config.rootfs?.diff_ids ?? [];
    for (const [i, layer] of layers.entries()) {
      const expected = diffIds[i];
      if (expected === undefined) fail(`${archive}: the config lists fewer layers than manifest.json`);
      // docker save writes layers uncompressed, so their digest is the diff_id.
      if (`sha256:${await sha256File(layer)}` !== expected) fail(`${archive}: layer ${entry.Layers[i]} does not match its diff_id ${expected}`);
    }
    await applyLayers(layers, target, archive, owners);
    return configOf(config);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
