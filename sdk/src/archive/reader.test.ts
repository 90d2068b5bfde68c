import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { HearthError, type ErrorCode } from '../errors.js';
import { verifyArchive } from './reader.js';
import { publicKeyOf } from './signing.js';
import { serializeSignature } from './documents.js';
import type { SignatureDocument } from './format.js';
import { MAX_MANIFEST_BYTES } from '../manifest.js';
import { MEMBER_LIMITS } from './format.js';
import { assemble, headerWithType, manifest, members, newKey, writeValid } from './test-archives.js';
import { writeArchive } from './writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-archive-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function codeOf(path: string): Promise<ErrorCode | 'accepted'> {
  try {
    await verifyArchive(path);
    return 'accepted';
  } catch (error) {
    if (error instanceof HearthError) return error.code;
    throw error;
  }
}

describe('verifyArchive', () => {
  test('accepts what writeArchive wrote and gives the image byte range inside the file', async () => {
    const path = await writeValid(dir);
    const archive = await verifyArchive(path);
    expect(archive.manifest.id).toBe('demo');
    expect(archive.signer.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const [image] = archive.images;
    const bytes = await readFile(path);
    expect(bytes.subarray(image!.offset, image!.offset + image!.size)).toEqual(Buffer.alloc(8192, 7));
    expect(image!.offset % 512).toBe(0);
    expect(archive.files.get('scripts/index.js')?.toString()).toContain('export const main');
  });

  test('a file that is not a tar is ARCHIVE_NOT_HPK', async () => {
    const path = join(dir, 'x.hpk');
    await writeFile(path, 'hello, this is text\n'.repeat(100));
    expect(await codeOf(path)).toBe('ARCHIVE_NOT_HPK');
    await writeFile(path, 'tiny');
    expect(await codeOf(path)).toBe('ARCHIVE_NOT_HPK');
  });

  test('a flipped byte in an image is ARCHIVE_DIGEST_MISMATCH', async () => {
    const path = await writeValid(dir);
    const bytes = await readFile(path);
    const { images } = await verifyArchive(path);
    const at = images[0]!.offset + 100;
    bytes[at] = (bytes[at] ?? 0) ^ 1;
    await writeFile(path, bytes);
    expect(await codeOf(path)).toBe('ARCHIVE_DIGEST_MISMATCH');
  });

  test('a flipped byte in the signed index is ARCHIVE_BAD_SIGNATURE', async () => {
    const path = await writeValid(dir);
    const list = await members(path);
    list[1]!.data[20] = (list[1]!.data[20] ?? 0) ^ 1;
    expect(await codeOf(await assemble(path, list))).toBe('ARCHIVE_BAD_SIGNATURE');
  });

  test('a signature.json that names another key than the one that signed is ARCHIVE_BAD_SIGNATURE', async () => {
    const path = await writeValid(dir);
    const list = await members(path);
    const doc = JSON.parse(list[0]!.data.toString()) as SignatureDocument;
    list[0]!.data = serializeSignature({ ...doc, publicKey: publicKeyOf(newKey()) });
    expect(await codeOf(await assemble(path, list))).toBe('ARCHIVE_BAD_SIGNATURE');
  });

  test('a truncated archive is ARCHIVE_TRUNCATED', async () => {
    const path = await writeValid(dir);
    const { images } = await verifyArchive(path);
    await truncate(path, images[0]!.offset + 1000);
    expect(await codeOf(path)).toBe('ARCHIVE_TRUNCATED');
  });

  test('an extra member is ARCHIVE_UNEXPECTED_MEMBER; a missing one ARCHIVE_MISSING_MEMBER', async () => {
    const path = await writeValid(dir);
    const list = await members(path);
    expect(await codeOf(await assemble(join(dir, 'extra.hpk'), [...list, { name: 'assets/evil.sh', data: Buffer.from('x') }]))).toBe(
      'ARCHIVE_UNEXPECTED_MEMBER',
    );
    expect(await codeOf(await assemble(join(dir, 'missing.hpk'), list.slice(0, -1)))).toBe('ARCHIVE_MISSING_MEMBER');
  });

  test('a duplicated member is ARCHIVE_DUPLICATE_MEMBER; reordered members ARCHIVE_BAD_ORDER', async () => {
    const path = await writeValid(dir);
    const list = await members(path);
    expect(await codeOf(await assemble(join(dir, 'dup.hpk'), [...list.slice(0, 3), list[2]!, ...list.slice(3)]))).toBe('ARCHIVE_DUPLICATE_MEMBER');
    expect(await codeOf(await assemble(join(dir, 'order.hpk'), [list[0]!, list[1]!, list[3]!, list[2]!, ...list.slice(4)]))).toBe('ARCHIVE_BAD_ORDER');
  });

  test('a ../ or absolute member name is ARCHIVE_UNSAFE_PATH', async () => {
    const path = await writeValid(dir);
    const list = await members(path);
    for (const name of ['../etc/passwd', '/etc/passwd', 'images/../../x', './manifest.json']) {
      const bad = [...list.slice(0, 2), { ...list[2]!, name }, ...list.slice(3)];
      expect(await codeOf(await assemble(join(dir, 'unsafe.hpk'), bad)), name).toBe('ARCHIVE_UNSAFE_PATH');
    }
  });

  test('a symlink, hardlink, device or directory member is ARCHIVE_BAD_MEMBER_TYPE', async () => {
    const path = await writeValid(dir);
    const list = await members(path);
    for (const type of ['1', '2', '3', '5']) {
      const m = list[2]!;
      const bad = [...list.slice(0, 2), { ...m, header: headerWithType(m.name, m.data.length, type) }, ...list.slice(3)];
      expect(await codeOf(await assemble(join(dir, `type${type}.hpk`), bad)), `type ${type}`).toBe('ARCHIVE_BAD_MEMBER_TYPE');
    }
  });

  test('a manifest larger than the bound, listed and signed in the index, is ARCHIVE_OVERSIZE and names the member and the bound', async () => {
    // Valid JSON padded past the bound, with a correct digest and signature: only the size bound can refuse it.
    const padded = Buffer.concat([Buffer.from(JSON.stringify(manifest)), Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20)]);
    const path = join(dir, 'big.hpk');
    await writeArchive({
      out: path,
      privateKey: newKey(),
      manifest,
      members: [
        { name: 'manifest.json', data: padded },
        { name: 'scripts/index.js', data: Buffer.from('export const main = () => null;\n') },
        { name: 'images/main.json', data: Buffer.from('{}') },
        { name: 'images/main.squashfs', data: Buffer.alloc(512) },
      ],
    });
    await expect(verifyArchive(path)).rejects.toMatchObject({
      code: 'ARCHIVE_OVERSIZE',
      details: { member: 'manifest.json', size: padded.length, limit: MAX_MANIFEST_BYTES },
    });
  });

  test('a signature.json larger than its bound is ARCHIVE_OVERSIZE before its signature is checked', async () => {
    const path = await writeValid(dir);
    const list = await members(path);
    list[0]!.data = Buffer.alloc(MEMBER_LIMITS['signature.json'] + 1, 0x20);
    expect(await codeOf(await assemble(path, list))).toBe('ARCHIVE_OVERSIZE');
  });

  test('signature.json spelled differently (still valid JSON, same values) is refused', async () => {
    const path = await writeValid(dir);
    const list = await members(path);
    list[0]!.data = Buffer.from(JSON.stringify(JSON.parse(list[0]!.data.toString())));
    expect(await codeOf(await assemble(join(dir, 'respelled.hpk'), list))).toBe('ARCHIVE_BAD_SIGNATURE');
  });

  test('non-zero padding after a member is refused', async () => {
    const path = await writeValid(dir, 'pad.hpk', newKey(), Buffer.alloc(8000, 7));
    const bytes = await readFile(path);
    const { images } = await verifyArchive(path);
    bytes[images[0]!.offset + 8000 + 10] = 1;
    await writeFile(path, bytes);
    expect(await codeOf(path)).toBe('ARCHIVE_DIGEST_MISMATCH');
  });

  test('bytes after the end marker are refused', async () => {
    const path = await writeValid(dir);
    const list = await members(path);
    const trailer = Buffer.concat([Buffer.alloc(1024), Buffer.from('smuggled')]);
    expect(await codeOf(await assemble(join(dir, 'trail.hpk'), list, trailer))).toBe('ARCHIVE_UNEXPECTED_MEMBER');
  });
});
