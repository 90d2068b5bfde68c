import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageConfig } from '../../contract/paths.js';
import { applyLayers, fail, resolveOciIndex, type SmallFileReader } from './oci-common.js';

/** Small files of an OCI layout are read whole; a blob bigger than this is a layer, never a config. */
const MAX_SMALL_FILE_BYTES = 4 * 1024 * 1024;

function layoutReader(dir: string): SmallFileReader {
  return async (rel) => {
    const path = join(dir, rel);
    const info = await stat(path).catch(() => null);
    if (info === null) return null;
    if (info.size > MAX_SMALL_FILE_BYTES) fail(`${path} is ${info.size} bytes, too large for an index, manifest or config`);
    return await readFile(path);
  };
}

async function assertLayout(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (info === null) fail(`${dir} does not exist`, 'make it with skopeo copy docker://IMAGE oci:DIR:TAG, or fix the path', 'path');
  if (!info.isDirectory()) fail(`${dir} is not a directory (an OCI layout is one)`, 'for a docker save file use { type: "docker-archive" }', 'path');
}

/** The config of the image an OCI layout directory holds, without unpacking it. */
export async function ociLayoutConfig(dir: string, tag: string | undefined): Promise<ImageConfig> {
  await assertLayout(dir);
  return (await resolveOciIndex(layoutReader(dir), tag, dir)).config;
}

/** An OCI image layout directory flattened into `target`: every blob is checked against its digest before it is used. */
export async function flattenOciLayout(dir: string, tag: string | undefined, target: string, owners: boolean): Promise<ImageConfig> {
  await assertLayout(dir);
  const image = await resolveOciIndex(layoutReader(dir), tag, dir);
  await applyLayers(image.layers.map((l) => ({ file: join(dir, l.path), sha256: l.sha256, name: l.path })), target, dir, owners);
  return image.config;
}
