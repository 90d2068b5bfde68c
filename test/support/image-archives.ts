import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Container images made by hand (no docker here): OCI layouts and `docker save` archives of tar layers. */

export interface TarEntry {
  path: string;
  type?: '0' | '2' | '5';
  data?: Buffer | string;
  linkpath?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A ustar archive of `entries`, with owners, as image builders write layers. */
export function tarOf(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const h = Buffer.alloc(BLOCK);
    h.write(e.path, 0, 100);
    h.write(octal(e.mode ?? (e.type === '5' ? 0o755 : 0o644), 8), 100);
    h.write(octal(e.uid ?? 0, 8), 108);
    h.write(octal(e.gid ?? 0, 8), 116);
    h.write(octal(e.type === '0' || e.type === undefined ? data.length : 0, 12), 124);
    h.write(octal(0, 12), 136);
    h.write(e.type ?? '0', 156);
    h.write(e.linkpath ?? '', 157, 100);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    const body = e.type === '0' || e.type === undefined ? data : Buffer.alloc(0);
    blocks.push(h, body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** An image config as docker and OCI write it. */
export function imageConfig(layers: Buffer[], config: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha256(l)}`) } }));
}

/** An OCI image layout in `dir` with one image tagged `tag`. */
export async function writeOciLayout(dir: string, layers: Buffer[], config: Buffer, tag: string): Promise<void> {
  await mkdir(join(dir, 'blobs/sha256'), { recursive: true });
  const put = async (b: Buffer, mediaType: string): Promise<{ mediaType: string; digest: string; size: number }> => {
    await writeFile(join(dir, 'blobs/sha256', sha256(b)), b);
    return { mediaType, digest: `sha256:${sha256(b)}`, size: b.length };
  };
  const manifest = {
    schemaVersion: 2,
    config: await put(config, 'application/vnd.oci.image.config.v1+json'),
    layers: await Promise.all(layers.map((l) => put(l, 'application/vnd.oci.image.layer.v1.tar'))),
  };
  const m = await put(Buffer.from(JSON.stringify(manifest)), 'application/vnd.oci.image.manifest.v1+json');
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...m, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
}

/** A `docker save` archive (docker's own manifest.json format) of one image tagged `repoTag`. */
export async function writeDockerSave(file: string, layers: Buffer[], config: Buffer, repoTag: string): Promise<void> {
  const names = layers.map((l) => `${sha256(l)}/layer.tar`);
  const entries: TarEntry[] = [
    ...layers.flatMap((l, i) => [{ path: `${sha256(l)}/`, type: '5' as const }, { path: names[i] ?? '', data: l }]),
    { path: `${sha256(config)}.json`, data: config },
    { path: 'manifest.json', data: JSON.stringify([{ Config: `${sha256(config)}.json`, RepoTags: [repoTag], Layers: names }]) },
  ];
  await writeFile(file, tarOf(entries));
}

/** The static busybox of this machine, for image layers. */
export async function staticBusybox(): Promise<Buffer> {
  return await readFile('/bin/busybox');
}
