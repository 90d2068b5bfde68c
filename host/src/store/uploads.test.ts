import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { isHearthError } from '@hearth/sdk/contract';
import { MAX_WAITING_UPLOADS, UPLOAD_TTL_MS, UploadStore } from './uploads.js';
import { hpkHead } from './test-hpk-head.js';

/** A body arriving in small chunks, as a network delivers it. */
const chunked = (data: Buffer, size = 1000): Readable => Readable.from((function* () {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
})());

let dir: string;
let clock: number;
let store: UploadStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-uploads-'));
  clock = 1_000_000;
  store = await UploadStore.open(join(dir, 'uploads'), 64 * 1024, () => clock);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const codeOf = async (promise: Promise<unknown>): Promise<string> => {
  const error = await promise.then(() => null, (e: unknown) => e);
  return isHearthError(error) ? error.code : `not a HearthError: ${String(error)}`;
};

describe('the upload store', () => {
  test('an .hpk body is streamed to a root-only file that package.install can name, and removed once installed', async () => {
    const body = Buffer.concat([hpkHead(), Buffer.alloc(20_000, 7)]);
    const upload = await store.receive(chunked(body), body.length);
    expect(upload.upload).toMatch(/^[0-9a-f]{32}$/);
    expect(upload.bytes).toBe(body.length);
    expect(store.pathOf(upload.upload)).toBe(upload.path);
    expect(await readFile(upload.path)).toEqual(body);
    expect((await stat(upload.path)).mode & 0o777).toBe(0o600);
    expect((await stat(store.dir)).mode & 0o777).toBe(0o700);
    await store.remove(upload.upload);
    expect(await readdir(store.dir)).toEqual([]);
    expect(() => store.pathOf(upload.upload)).toThrow(/installed already, or expired/);
  });

  test('a body past the size limit is refused as it arrives and leaves no file', async () => {
    const body = Buffer.concat([hpkHead(), Buffer.alloc(70 * 1024)]);
    expect(await codeOf(store.receive(chunked(body), null))).toBe('ARCHIVE_OVERSIZE');
    expect(await codeOf(store.receive(chunked(body), body.length))).toBe('ARCHIVE_OVERSIZE');
    expect(await readdir(store.dir)).toEqual([]);
  });

  test('a file that is not an .hpk is refused by its first bytes, however small', async () => {
    expect(await codeOf(store.receive(chunked(Buffer.alloc(30_000, 0x41)), null))).toBe('ARCHIVE_NOT_HPK');
    expect(await codeOf(store.receive(chunked(Buffer.from('hello')), null))).toBe('ARCHIVE_NOT_HPK');
    expect(await readdir(store.dir)).toEqual([]);
  });

  test('a body shorter than its Content-Length is refused (the browser went away)', async () => {
    const body = Buffer.concat([hpkHead(), Buffer.alloc(1000)]);
    expect(await codeOf(store.receive(chunked(body), body.length + 10))).toBe('ARCHIVE_TRUNCATED');
    expect(await readdir(store.dir)).toEqual([]);
  });

  test('at most a few uploads wait at once, and one nobody installed expires', async () => {
    const ids: string[] = [];
    for (let i = 0; i < MAX_WAITING_UPLOADS; i += 1) ids.push((await store.receive(chunked(hpkHead()), null)).upload);
    expect(await store.hasRoom()).toBe(false);
    clock += UPLOAD_TTL_MS + 1;
    expect(await store.hasRoom()).toBe(true);
    expect(await readdir(store.dir)).toEqual([]);
    expect(() => store.pathOf(ids[0] ?? '')).toThrow(/no upload/);
  });

  test('a name that is not an upload id is refused without touching the disk', () => {
    expect(() => store.pathOf('../state.json')).toThrow(/no upload/);
  });

  test('files from an earlier run are removed when the store opens', async () => {
    await writeFile(join(store.dir, 'left-over.hpk'), 'x');
    await UploadStore.open(store.dir, 1024);
    expect(await readdir(store.dir)).toEqual([]);
  });
});
