import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageConfig } from '@hearth/sdk/contract';
import type { Layer } from './layer.js';

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

/** OCI's names for Node's architectures. */
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

function blob(json: unknown): { bytes: Buffer; digest: string } {
  const bytes = Buffer.from(JSON.stringify(json));
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

const blobPath = (dir: string, digest: string): string => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));

/** The OCI image config: the image's run settings as hearth imported them, and the layer's diffID. */
export function imageConfig(config: ImageConfig, layer: Layer, arch = process.arch): Record<string, unknown> {
  return {
    architecture: ARCH[arch] ?? arch,
    os: 'linux',
    config: {
      ...(config.entrypoint !== null && { Entrypoint: config.entrypoint }),
      ...(config.cmd !== null && { Cmd: config.cmd }),
      Env: config.env,
      WorkingDir: config.workdir,
      User: config.user,
    },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  };
}

/**
 * An OCI image layout in `dir` (which holds the layer at `layerFile`, moved into blobs/): the
 * config, the manifest and an index naming it `tag`, every blob under its own sha256.
 */
export async function writeLayout(dir: string, layerFile: string, layer: Layer, config: ImageConfig, tag: string): Promise<{ manifestDigest: string }> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await rename(layerFile, blobPath(dir, layer.digest));
  const cfg = blob(imageConfig(config, layer));
  await writeFile(blobPath(dir, cfg.digest), cfg.bytes);
  const manifest = blob({
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: MEDIA.config, digest: cfg.digest, size: cfg.bytes.length },
    layers: [{ mediaType: MEDIA.layer, digest: layer.digest, size: layer.size }],
  });
  await writeFile(blobPath(dir, manifest.digest), manifest.bytes);
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [{ mediaType: MEDIA.manifest, digest: manifest.digest, size: manifest.bytes.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return { manifestDigest: manifest.digest };
}
