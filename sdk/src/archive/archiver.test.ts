import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TarArchive, type TarEntryData } from 'archiver';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { verifyArchive } from './reader.js';
import { BLOCK } from './tar.js';
import { members, writeValid } from './test-archives.js';

/**
 * Why .hpk files are not written with `archiver` (see sdk/README.md, "Reproducible packs"): its
 * tar output is reproducible, but its headers are another encoding of the same fields than the one
 * the strict reader accepts, and the reader must accept exactly one.
 */

/** Byte ranges of the ustar header fields, for naming where two headers differ. */
const FIELDS: [string, number, number][] = [
  ['name', 0, 100], ['mode', 100, 108], ['uid', 108, 116], ['gid', 116, 124], ['size', 124, 136], ['mtime', 136, 148],
  ['chksum', 148, 156], ['typeflag', 156, 157], ['linkname', 157, 257], ['magic', 257, 263], ['version', 263, 265],
  ['uname', 265, 297], ['gname', 297, 329], ['devmajor', 329, 337], ['devminor', 337, 345], ['prefix', 345, 500],
];

/** The same members through archiver, with every field a deterministic writer would fix. */
async function withArchiver(list: { name: string; data: Buffer }[]): Promise<Buffer> {
  const archive = new TarArchive();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  // uid/gid/uname/gname go through to tar-stream though archiver's types do not list them.
  for (const m of list) archive.append(m.data, { name: m.name, date: new Date(0), mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root' } as TarEntryData);
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

function differingFields(a: Buffer, b: Buffer): string[] {
  return FIELDS.filter(([, from, to]) => !a.subarray(from, to).equals(b.subarray(from, to))).map(([name]) => name);
}

describe('archiver as the .hpk writer', () => {
  let dir: string;
  let ours: Buffer;
  let theirs: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-archiver-'));
    ours = await readFile(await writeValid(dir));
    const list = await members(join(dir, 'demo.hpk'));
    theirs = await withArchiver(list);
    expect(await withArchiver(list)).toEqual(theirs);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes the same member data at the same offsets, so only the headers differ', () => {
    expect(theirs.length).toBe(ours.length);
    for (let at = 0; at < ours.length; at += BLOCK) {
      const block = ours.subarray(at, at + BLOCK);
      const header = block.toString('latin1', 257, 263) === 'ustar\0';
      if (!header) expect(theirs.subarray(at, at + BLOCK).equals(block)).toBe(true);
    }
  });

  test('encodes mode, owners, size, time, checksum and device numbers differently from the canonical header', () => {
    expect(differingFields(theirs.subarray(0, BLOCK), ours.subarray(0, BLOCK))).toEqual(['mode', 'uid', 'gid', 'size', 'mtime', 'chksum', 'devmajor', 'devminor']);
    // "0000644\0" (ours) against "000644 \0" (tar-stream, archiver's engine): the same number, other bytes.
    expect(ours.toString('latin1', 100, 108)).toBe('0000644\0');
    expect(theirs.toString('latin1', 100, 108)).toBe('000644 \0');
  });

  test('its output is refused by the strict reader, whose only accepted header is hearth-pack’s', async () => {
    const path = join(dir, 'archiver.hpk');
    await writeFile(path, theirs);
    await expect(verifyArchive(path)).rejects.toMatchObject({ code: 'ARCHIVE_DIGEST_MISMATCH' });
    await expect(verifyArchive(path)).rejects.toThrow(/differs from the canonical one/);
    await expect(verifyArchive(join(dir, 'demo.hpk'))).resolves.toBeTruthy();
  });
});
