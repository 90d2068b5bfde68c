import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { HearthError } from '../errors.js';
import type { Manifest } from '../manifest.js';
import { BLOCK, encodeHeader, paddedSize } from './tar.js';
import { INDEX_FORMAT, SIGNATURE_FORMAT, expectedMembers, type IndexDocument, type SignatureDocument } from './format.js';
import { publicKeyOf, signBytes } from './signing.js';
import { serializeSignature } from './documents.js';

export const COPY_CHUNK_BYTES = 1024 * 1024;

export type MemberSource = { name: string; data: Buffer } | { name: string; path: string };

export interface WriteArchiveOptions {
  out: string;
  privateKey: KeyObject;
  manifest: Manifest;
  /** Every member after index.json, in archive order (see `expectedMembers`). */
  members: MemberSource[];
  onProgress?: (member: string, bytes: number) => void;
}

async function digestOf(source: MemberSource): Promise<{ size: number; sha256: string }> {
  if ('data' in source) return { size: source.data.length, sha256: createHash('sha256').update(source.data).digest('hex') };
  const hash = createHash('sha256');
  const file = await open(source.path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    let size = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    await file.close();
  }
}

async function writeMember(out: FileHandle, name: string, source: Buffer | string, size: number, onProgress?: (member: string, bytes: number) => void): Promise<void> {
  await out.write(encodeHeader(name, size));
  if (Buffer.isBuffer(source)) {
    await out.write(source);
  } else {
    const file = await open(source, 'r');
    try {
      const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
      let copied = 0;
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        await out.write(buffer.subarray(0, bytesRead));
        copied += bytesRead;
        onProgress?.(name, copied);
      }
      // The digest in the index was taken from this file: a file that changed since is not this member.
      if (copied !== size) {
        throw new HearthError('PACK_FAILED', `${source} changed while it was packed (${size} → ${copied} bytes)`, {
          hint: 'pack again once nothing writes to it (another hearth-pack of the same package?)',
          details: { path: source },
        });
      }
    } finally {
      await file.close();
    }
  }
  const padding = paddedSize(size) - size;
  if (padding > 0) await out.write(Buffer.alloc(padding));
}

/** Write a signed .hpk: digests first, then the index is signed, then the tar is written to a temp file and renamed into place. */
export async function writeArchive(options: WriteArchiveOptions): Promise<{ size: number; index: IndexDocument }> {
  const { manifest, members } = options;
  const expected = expectedMembers(Object.keys(manifest.images));
  const names = members.map((m) => m.name);
  if (names.join('\n') !== expected.join('\n')) {
    throw new HearthError('INTERNAL', `members ${names.join(', ')} differ from the layout ${expected.join(', ')}`, { hint: 'a bug in hearth-pack: report it' });
  }

  const digests = [];
  for (const member of members) digests.push({ name: member.name, ...(await digestOf(member)) });
  const manifestDigest = digests[0]?.sha256 ?? '';
  const index: IndexDocument = { format: INDEX_FORMAT, packageId: manifest.id, version: manifest.version, manifestSha256: manifestDigest, members: digests };
  const indexBytes = Buffer.from(`${JSON.stringify(index, null, 2)}\n`);
  const signature: SignatureDocument = {
    format: SIGNATURE_FORMAT,
    algorithm: 'ed25519',
    publicKey: publicKeyOf(options.privateKey),
    signature: signBytes(options.privateKey, indexBytes),
  };
  const signatureBytes = serializeSignature(signature);

  const tmp = `${options.out}.tmp-${randomBytes(6).toString('hex')}`;
  const out = await open(tmp, 'wx', 0o644);
  try {
    await writeMember(out, 'signature.json', signatureBytes, signatureBytes.length);
    await writeMember(out, 'index.json', indexBytes, indexBytes.length);
    for (const [i, member] of members.entries()) {
      await writeMember(out, member.name, 'data' in member ? member.data : member.path, digests[i]?.size ?? 0, options.onProgress);
    }
    await out.write(Buffer.alloc(2 * BLOCK)); // end-of-archive marker
    await out.sync();
    await out.close();
    await rename(tmp, options.out);
  } catch (error) {
    await out.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
  return { size: (await stat(options.out)).size, index };
}
