import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageConfig } from '../../contract/paths.js';
import { applyLayer } from './apply-layer.js';
import { applyLayers, configOf, fail, parseJson, resolveOciIndex, type ResolvedImage, type SmallFileReader } from './oci-common.js';
import { cleanPath } from './apply-layer.js';
import { tarEntries } from './tar-entries.js';

/**
 * `docker save` archives: docker's own `manifest.json` (a config and one uncompressed
 * `layer.tar` per layer, checked against the config's `diff_ids`), or the OCI layout that
 * docker 25 and later writes.
 */

/** A file of the archive bigger than this is a layer, never a manifest or config. */
const MAX_SMALL_FILE_BYTES = 4 * 1024 * 1024;
/** All small files kept while reading the config without unpacking. */
const MAX_SMALL_FILES_BYTES = 64 * 1024 * 1024;

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function resolve(read: SmallFileReader, tag: string | undefined, where: string): Promise<ResolvedImage> {
  const manifestBytes = await read('manifest.json');
  if (manifestBytes === null) {
    if ((await read('index.json')) !== null) return await resolveOciIndex(read, tag, where);
    fail(`${where} has neither manifest.json nor index.json: not a docker save archive`, 'make it with docker save IMAGE -o FILE.tar', 'path');
  }
  const manifest = parseJson<DockerManifestEntry[]>(manifestBytes, `${where}: manifest.json`);
  if (!Array.isArray(manifest)) fail(`${where}: manifest.json is not a list of images`);
  const entry = tag === undefined ? manifest[0] : manifest.find((m) => (m.RepoTags ?? []).includes(tag));
  if (!entry) {
    const tags = manifest.flatMap((m) => m.RepoTags ?? []);
    fail(`${where}: no image${tag ? ` tagged ${tag}` : ''} in manifest.json${tags.length ? ` (tags: ${tags.join(', ')})` : ''}`, 'check the tag, or leave it out to take the first image', 'tag');
  }
  const configPath = cleanPath(entry.Config, where) ?? fail(`${where}: manifest.json names no config`);
  const config = parseJson<{ config?: Record<string, unknown>; rootfs?: { diff_ids?: string[] } }>(await read(configPath), `${where}: ${entry.Config}`);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== entry.Layers.length) fail(`${where}: the config lists ${diffIds.length} layers, manifest.json ${entry.Layers.length}`);
  // docker save writes layers uncompressed, so each one's sha256 is its diff_id.
  const layers = entry.Layers.map((layer, i) => {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(diffIds[i] ?? '')?.[1] ?? fail(`${where}: unsupported diff_id ${diffIds[i]}`);
    return { path: cleanPath(layer, where) ?? fail(`${where}: manifest.json names an empty layer path`), sha256: hex };
  });
  return { config: configOf(config), layers };
}

async function assertFile(archive: string): Promise<void> {
  const info = await stat(archive).catch(() => null);
  if (info === null) fail(`${archive} does not exist`, 'make it with docker save IMAGE -o FILE.tar, or fix the path', 'path');
  if (!info.isFile()) fail(`${archive} is not a file (a docker save archive is one)`, 'for an OCI layout directory use { type: "oci-layout" }', 'path');
}

/** The config of the image a `docker save` archive holds: one pass over the archive, layers skipped. */
export async function dockerArchiveConfig(archive: string, tag: string | undefined): Promise<ImageConfig> {
  await assertFile(archive);
  const small = new Map<string, Buffer>();
  let kept = 0;
  for await (const { entry, content } of tarEntries(createReadStream(archive), archive)) {
    const rel = cleanPath(entry.path, archive);
    if (rel === null || entry.type !== '0' || entry.size > MAX_SMALL_FILE_BYTES || kept + entry.size > MAX_SMALL_FILES_BYTES) continue;
    small.set(rel, await content());
    kept += entry.size;
  }
  return (await resolve((rel) => Promise.resolve(small.get(rel) ?? null), tag, archive)).config;
}

/** A `docker save` archive flattened into `target`: unpacked to a scratch dir, each layer checked, then applied in order. */
export async function flattenDockerArchive(archive: string, tag: string | undefined, target: string, owners: boolean): Promise<ImageConfig> {
  await assertFile(archive);
  const scratch = await mkdtemp(join(tmpdir(), 'hearth-docker-'));
  try {
    await applyLayer(createReadStream(archive), scratch, archive, { whiteouts: false, owners: false });
    const reader: SmallFileReader = async (rel) => {
      const path = join(scratch, rel);
      const info = await stat(path).catch(() => null);
      if (info === null) return null;
      if (info.size > MAX_SMALL_FILE_BYTES) fail(`${archive}: ${rel} is ${info.size} bytes, too large for a manifest or config`);
      return await readFile(path);
    };
    const image = await resolve(reader, tag, archive);
    await applyLayers(image.layers.map((l) => ({ file: join(scratch, l.path), sha256: l.sha256, name: l.path })), target, archive, owners);
    return image.config;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
