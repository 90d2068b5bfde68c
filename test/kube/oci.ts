import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface Descriptor { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }

async function blob(dir: string, d: Descriptor): Promise<Buffer> {
  const bytes = await readFile(join(dir, 'blobs', 'sha256', d.digest.replace(/^sha256:/, '')));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (digest !== d.digest || bytes.length !== d.size) throw new Error(`blob ${d.digest}: its bytes hash to ${digest}, ${bytes.length} bytes (the descriptor says ${d.size})`);
  return bytes;
}

/** Walks an OCI image layout as the image spec defines it, checking every digest and size; returns the image config. */
export async function checkLayout(dir: string): Promise<{ tag: string | undefined; config: { rootfs: { diff_ids: string[] }; config: Record<string, unknown> }; layers: Descriptor[] }> {
  const layout = JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')) as { imageLayoutVersion: string };
  if (layout.imageLayoutVersion !== '1.0.0') throw new Error('oci-layout: not 1.0.0');
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const top = index.manifests[0];
  if (top === undefined) throw new Error('index.json lists no manifest');
  const manifest = JSON.parse((await blob(dir, top)).toString()) as { config: Descriptor; layers: Descriptor[] };
  const config = JSON.parse((await blob(dir, manifest.config)).toString()) as { rootfs: { diff_ids: string[] }; config: Record<string, unknown> };
  for (const layer of manifest.layers) await blob(dir, layer);
  return { tag: top.annotations?.['org.opencontainers.image.ref.name'], config, layers: manifest.layers };
}
