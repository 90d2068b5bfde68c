import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { ImageConfig } from '../contract/paths.js';
import { HearthError, type ErrorCode } from '../errors.js';
import { MAX_MANIFEST_BYTES, validateManifest, type Manifest } from '../manifest.js';
import { BLOCK, decodeHeader, encodeHeader, isSafeMemberName, isZeroBlock, paddedSize, type TarHeader } from './tar.js';
import { MEMBER_LIMITS, expectedMembers, type IndexDocument, type IndexMember, type SignatureDocument } from './format.js';
import { fingerprint, verifyBytes } from './signing.js';
import { parseImageConfig, parseIndex, parseSignature } from './documents.js';

export const HASH_CHUNK_BYTES = 1024 * 1024;

export interface ArchiveMember extends IndexMember {
  /** Byte offset of the member's data in the archive file. */
  dataOffset: number;
}

export interface VerifiedArchive {
  manifest: Manifest;
  signer: { publicKey: string; fingerprint: string };
  members: ArchiveMember[];
  /** Contents of every member except the image squashfs files. */
  files: Map<string, Buffer>;
  images: { id: string; config: ImageConfig; offset: number; size: number }[];
}

const HINT = 're-download the package, or re-pack it with hearth-pack';

function fail(code: ErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new HearthError(code, message, { hint: HINT, details });
}

function limitFor(name: string): number | null {
  if (name === 'manifest.json') return MAX_MANIFEST_BYTES;
  if (name === 'signature.json' || name === 'index.json' || name === 'scripts/index.js') return MEMBER_LIMITS[name];
  if (/^images\/[^/]+\.json$/.test(name)) return MEMBER_LIMITS.imageConfig;
  return null;
}

/** Reads an archive front to back once; every check happens before anything is trusted. */
class Reader {
  private position = 0;
  private readonly block = Buffer.alloc(BLOCK);
  private readonly chunk = Buffer.allocUnsafe(HASH_CHUNK_BYTES);

  constructor(
    private readonly file: FileHandle,
    private readonly fileSize: number,
    private readonly path: string,
  ) {}

  private async readAt(buffer: Buffer, length: number, position: number): Promise<void> {
    const { bytesRead } = await this.file.read(buffer, 0, length, position);
    if (bytesRead !== length) fail('ARCHIVE_TRUNCATED', `${this.path} ends early at byte ${position + bytesRead}`, { offset: position + bytesRead });
  }

  /** The next header, or null at the end-of-archive marker. */
  async nextHeader(): Promise<(TarHeader & { offset: number }) | null> {
    const offset = this.position;
    if (offset + BLOCK > this.fileSize) {
      if (offset === 0) fail('ARCHIVE_NOT_HPK', `${this.path} is not an .hpk: it is smaller than one tar block`);
      fail('ARCHIVE_TRUNCATED', `${this.path} ends early at byte ${this.fileSize}, where a member header or the end marker should be`, { offset });
    }
    await this.readAt(this.block, BLOCK, offset);
    if (isZeroBlock(this.block)) return null;
    const header = decodeHeader(this.block);
    if (typeof header === 'string') {
      if (offset === 0) fail('ARCHIVE_NOT_HPK', `${this.path} is not an .hpk: it does not start with a tar header`);
      fail('ARCHIVE_DIGEST_MISMATCH', `the member header at byte ${offset} is corrupt (${header})`, { offset });
    }
    if (header.typeflag !== '0' && header.typeflag !== '\0') {
      fail('ARCHIVE_BAD_MEMBER_TYPE', `member ${JSON.stringify(header.name)} at byte ${offset} is not a regular file (type ${JSON.stringify(header.typeflag)})`, {
        member: header.name,
        offset,
      });
    }
    if (header.hasPrefix || !isSafeMemberName(header.name)) {
      fail('ARCHIVE_UNSAFE_PATH', `member name ${JSON.stringify(header.name)} at byte ${offset} is not a plain relative path`, { member: header.name, offset });
    }
    // Only the header hearth-pack writes is accepted: no field may carry anything unhashed.
    if (!encodeHeader(header.name, header.size).equals(this.block)) {
      fail('ARCHIVE_DIGEST_MISMATCH', `the header of ${header.name} at byte ${offset} differs from the canonical one`, { member: header.name, offset });
    }
    const dataEnd = offset + BLOCK + header.size;
    const next = offset + BLOCK + paddedSize(header.size);
    if (next > this.fileSize) fail('ARCHIVE_TRUNCATED', `member ${header.name} needs ${header.size} bytes but ${this.path} ends at byte ${this.fileSize}`, { member: header.name });
    if (next > dataEnd) {
      // The padding after the data is not hashed, so it must be zeros.
      const padding = Buffer.alloc(next - dataEnd);
      await this.readAt(padding, padding.length, dataEnd);
      if (!isZeroBlock(padding)) fail('ARCHIVE_DIGEST_MISMATCH', `the padding after ${header.name} is not zeros`, { member: header.name });
    }
    this.position = next;
    return { ...header, offset };
  }

  async readData(header: TarHeader & { offset: number }, limit: number): Promise<Buffer> {
    if (header.size > limit) fail('ARCHIVE_OVERSIZE', `member ${header.name} is ${header.size} bytes; at most ${limit} are allowed`, { member: header.name, size: header.size, limit });
    const data = Buffer.alloc(header.size);
    if (header.size > 0) await this.readAt(data, header.size, header.offset + BLOCK);
    return data;
  }

  async hashData(header: TarHeader & { offset: number }): Promise<string> {
    const hash = createHash('sha256');
    let position = header.offset + BLOCK;
    let left = header.size;
    while (left > 0) {
      const length = Math.min(left, this.chunk.length);
      await this.readAt(this.chunk, length, position);
      hash.update(this.chunk.subarray(0, length));
      position += length;
      left -= length;
    }
    return hash.digest('hex');
  }

  /** The end marker is two zero blocks, complete; only zero bytes may follow (tar writers pad to a record). */
  async checkTrailer(): Promise<void> {
    if (this.fileSize - this.position < 2 * BLOCK) {
      fail('ARCHIVE_TRUNCATED', `${this.path} ends inside its end-of-archive marker`, { offset: this.fileSize });
    }
    let position = this.position;
    while (position < this.fileSize) {
      const length = Math.min(this.chunk.length, this.fileSize - position);
      await this.readAt(this.chunk, length, position);
      if (!isZeroBlock(this.chunk.subarray(0, length))) fail('ARCHIVE_UNEXPECTED_MEMBER', `data follows the end of the archive at byte ${position}`, { offset: position });
      position += length;
    }
  }
}

function checkIndexAgainstLayout(index: IndexDocument, manifest: Manifest): void {
  const expected = expectedMembers(Object.keys(manifest.images));
  const listed = index.members.map((m) => m.name);
  const missing = expected.find((name) => !listed.includes(name));
  if (missing) fail('ARCHIVE_MISSING_MEMBER', `the package has no ${missing}`, { member: missing });
  const extra = listed.find((name) => !expected.includes(name));
  if (extra) fail('ARCHIVE_UNEXPECTED_MEMBER', `${extra} does not belong in this package`, { member: extra });
  if (listed.join('\n') !== expected.join('\n')) fail('ARCHIVE_BAD_ORDER', `members are out of order: ${listed.join(', ')}`, { expected });
}

async function verifyOpen(reader: Reader): Promise<VerifiedArchive> {
  const first = await reader.nextHeader();
  if (first?.name !== 'signature.json') fail('ARCHIVE_NOT_HPK', `not an .hpk: the first member is ${JSON.stringify(first?.name ?? null)}, not signature.json`);
  const signature: SignatureDocument = parseSignature(await reader.readData(first, MEMBER_LIMITS['signature.json']));
  const second = await reader.nextHeader();
  if (second?.name !== 'index.json') fail('ARCHIVE_NOT_HPK', `not an .hpk: the second member is ${JSON.stringify(second?.name ?? null)}, not index.json`);
  const indexBytes = await reader.readData(second, MEMBER_LIMITS['index.json']);
  if (!verifyBytes(signature.publicKey, indexBytes, signature.signature)) {
    fail('ARCHIVE_BAD_SIGNATURE', 'the signature does not match the index for the key signature.json names; the package was altered or signed by another key');
  }
  const index = parseIndex(indexBytes);

  const members: ArchiveMember[] = [];
  const files = new Map<string, Buffer>();
  const seen = new Set<string>(['signature.json', 'index.json']);
  for (const expected of index.members) {
    const header = await reader.nextHeader();
    if (header === null) fail('ARCHIVE_MISSING_MEMBER', `the archive ends before ${expected.name}`, { member: expected.name });
    if (header.name !== expected.name) {
      if (seen.has(header.name)) fail('ARCHIVE_DUPLICATE_MEMBER', `${header.name} appears twice`, { member: header.name });
      if (index.members.some((m) => m.name === header.name)) fail('ARCHIVE_BAD_ORDER', `${header.name} comes where ${expected.name} should`, { member: header.name });
      fail('ARCHIVE_UNEXPECTED_MEMBER', `${header.name} is not listed in the index`, { member: header.name });
    }
    seen.add(header.name);
    if (header.size !== expected.size) fail('ARCHIVE_DIGEST_MISMATCH', `${header.name} is ${header.size} bytes; the index says ${expected.size}`, { member: header.name });
    const limit = limitFor(header.name);
    let sha256: string;
    if (limit === null) {
      sha256 = await reader.hashData(header);
    } else {
      const data = await reader.readData(header, limit);
      sha256 = createHash('sha256').update(data).digest('hex');
      files.set(header.name, data);
    }
    if (sha256 !== expected.sha256) fail('ARCHIVE_DIGEST_MISMATCH', `${header.name} does not match its digest in the index`, { member: header.name });
    members.push({ ...expected, dataOffset: header.offset + BLOCK });
  }
  const extra = await reader.nextHeader();
  if (extra !== null) fail(seen.has(extra.name) ? 'ARCHIVE_DUPLICATE_MEMBER' : 'ARCHIVE_UNEXPECTED_MEMBER', `${extra.name} is not listed in the index`, { member: extra.name });
  await reader.checkTrailer();

  const manifestBytes = files.get('manifest.json');
  if (manifestBytes === undefined) fail('ARCHIVE_MISSING_MEMBER', 'the package has no manifest.json');
  if (createHash('sha256').update(manifestBytes).digest('hex') !== index.manifestSha256) fail('ARCHIVE_DIGEST_MISMATCH', 'manifest.json does not match the index');
  let manifestJson: unknown;
  try {
    manifestJson = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    fail('MANIFEST_INVALID', 'manifest.json is not JSON');
  }
  const manifest = validateManifest(manifestJson);
  if (manifest.id !== index.packageId || manifest.version !== index.version) {
    fail('MANIFEST_INVALID', `the index names ${index.packageId} ${index.version} but the manifest is ${manifest.id} ${manifest.version}`);
  }
  checkIndexAgainstLayout(index, manifest);

  const images = Object.keys(manifest.images)
    .sort()
    .map((id) => {
      const squashfs = members.find((m) => m.name === `images/${id}.squashfs`);
      const config = files.get(`images/${id}.json`);
      if (!squashfs || !config) fail('ARCHIVE_MISSING_MEMBER', `image ${id} is incomplete`);
      return { id, config: parseImageConfig(config, id), offset: squashfs.dataOffset, size: squashfs.size };
    });
  return { manifest, signer: { publicKey: signature.publicKey, fingerprint: fingerprint(signature.publicKey) }, members, files, images };
}

/**
 * Verify an .hpk completely: structure, signature over the index, the digest of every member, the
 * manifest and the member layout. Throws a HearthError with an ARCHIVE_* or MANIFEST_INVALID code.
 * `displayName` is how errors name the file (the host verifies a staged copy of the user's file).
 */
export async function verifyArchive(path: string, displayName = path): Promise<VerifiedArchive> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw new HearthError('ARCHIVE_NOT_HPK', `cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { hint: 'give the path of an .hpk file', cause: error });
  }
  try {
    const { size } = await file.stat();
    if (!(await file.stat()).isFile()) fail('ARCHIVE_NOT_HPK', `${displayName} is not a regular file`);
    return await verifyOpen(new Reader(file, size, displayName));
  } finally {
    await file.close();
  }
}
