import { generateKeyPairSync, createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateManifest, type Manifest } from '../manifest.js';
import { BLOCK, encodeHeader, paddedSize } from './tar.js';
import { writeArchive } from './writer.js';

/** Helpers for archive tests: a valid package to start from, and surgery on its tar members. */

export const manifest: Manifest = validateManifest({
  id: 'demo',
  title: 'Demo',
  version: '1.0.0',
  images: { main: { source: { type: 'directory', path: 'image' } } },
});

export function newKey() {
  return generateKeyPairSync('ed25519').privateKey;
}

export async function writeValid(dir: string, name = 'demo.hpk', key = newKey(), imageBytes = Buffer.alloc(8192, 7)): Promise<string> {
  const out = join(dir, name);
  await writeArchive({
    out,
    privateKey: key,
    manifest,
    members: [
      { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) },
      { name: 'scripts/index.js', data: Buffer.from('export const main = () => null;\n') },
      { name: 'images/main.json', data: Buffer.from(JSON.stringify({ entrypoint: null, cmd: null, env: [], workdir: '/', user: 'root' })) },
      { name: 'images/main.squashfs', data: imageBytes },
    ],
  });
  return out;
}

export interface RawMember {
  name: string;
  data: Buffer;
  /** Raw header to use instead of a fresh one (for type/size tricks). */
  header?: Buffer;
}

/** Split a tar into members (trusting it: these are our own test archives). */
export async function members(path: string): Promise<RawMember[]> {
  const bytes = await readFile(path);
  const out: RawMember[] = [];
  for (let pos = 0; pos + BLOCK <= bytes.length; ) {
    const header = bytes.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break;
    const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const size = Number.parseInt(header.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim(), 8);
    out.push({ name, data: Buffer.from(bytes.subarray(pos + BLOCK, pos + BLOCK + size)) });
    pos += BLOCK + paddedSize(size);
  }
  return out;
}

/** Write members back as a tar (with fresh valid headers unless one is given). */
export async function assemble(path: string, list: RawMember[], trailer = Buffer.alloc(2 * BLOCK)): Promise<string> {
  const parts: Buffer[] = [];
  for (const m of list) {
    parts.push(m.header ?? encodeHeader(m.name, m.data.length), m.data, Buffer.alloc(paddedSize(m.data.length) - m.data.length));
  }
  parts.push(trailer);
  await writeFile(path, Buffer.concat(parts));
  return path;
}

/** A header like ours but with another type flag ('2' symlink, '1' hardlink, '3' char device, '5' dir). */
export function headerWithType(name: string, size: number, typeflag: string): Buffer {
  const h = encodeHeader(name, size);
  h[156] = typeflag.charCodeAt(0);
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return h;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
