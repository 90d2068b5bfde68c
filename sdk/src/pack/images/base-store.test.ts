import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BASE_UNUSED_MS, BaseStore, defaultBaseStoreRoot } from './base-store.js';
import { DEFAULT_IMAGE_CONFIG } from './defaults.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'hearth-bases-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const DIGEST_A = 'a'.repeat(64);
const DIGEST_B = 'b'.repeat(64);
const META = { config: DEFAULT_IMAGE_CONFIG, owners: true };

/** A staged build whose squashfs holds `text`. */
async function staged(store: BaseStore, digest: string, text: string): Promise<string> {
  const staging = await store.staging(digest);
  await writeFile(join(staging, 'image.squashfs'), text);
  return staging;
}

test('a stored base is found by its digest; another digest is not', async () => {
  const store = new BaseStore(root);
  expect(await store.lookup(DIGEST_A)).toBeNull();
  await store.commit(DIGEST_A, await staged(store, DIGEST_A, 'a'), META, false);
  const found = await store.lookup(DIGEST_A);
  expect(found?.owners).toBe(true);
  expect(await readFile(found?.squashfs ?? '', 'utf8')).toBe('a');
  expect(await store.lookup(DIGEST_B)).toBeNull();
});

test('two packs that stored the same base at once keep the first, and the second staging goes', async () => {
  const store = new BaseStore(root);
  const first = await staged(store, DIGEST_A, 'first');
  const second = join(root, 'bases', `${DIGEST_A.slice(0, 32)}.tmp-${process.ppid}`); // another pack's staging
  await mkdir(second);
  await writeFile(join(second, 'image.squashfs'), 'second');
  await store.commit(DIGEST_A, first, META, false);
  const kept = await store.commit(DIGEST_A, second, META, false);
  expect(await readFile(kept.squashfs, 'utf8')).toBe('first');
  expect(existsSync(second)).toBe(false);
});

test('one pack building the same base for two images at once stages each in its own folder, and keeps the first', async () => {
  // Two images of one package on the same base, with nothing stored yet: both build concurrently.
  const store = new BaseStore(root);
  const [a, b] = await Promise.all([staged(store, DIGEST_A, 'a'), staged(store, DIGEST_A, 'b')]);
  expect(a).not.toBe(b);
  await Promise.all([store.commit(DIGEST_A, a, META, false), store.commit(DIGEST_A, b, META, false)]);
  expect(['a', 'b']).toContain(await readFile((await store.lookup(DIGEST_A))?.squashfs ?? '', 'utf8'));
  expect(existsSync(a) || existsSync(b)).toBe(false);
});

test('--no-cache replaces a stored base of the same digest', async () => {
  const store = new BaseStore(root);
  await store.commit(DIGEST_A, await staged(store, DIGEST_A, 'old'), META, false);
  const replaced = await store.commit(DIGEST_A, await staged(store, DIGEST_A, 'new'), META, true);
  expect(await readFile(replaced.squashfs, 'utf8')).toBe('new');
});

test('storing a base removes bases unused for 30 days and staging folders of dead packs, and keeps the rest', async () => {
  const store = new BaseStore(root);
  await store.commit(DIGEST_A, await staged(store, DIGEST_A, 'a'), META, false);
  const entryA = join(root, 'bases', DIGEST_A.slice(0, 32));
  const longAgo = new Date(Date.now() - BASE_UNUSED_MS - 60_000);
  await utimes(entryA, longAgo, longAgo);
  const deadStaging = join(root, 'bases', `${'c'.repeat(32)}.tmp-999999999`);
  const liveStaging = join(root, 'bases', `${'d'.repeat(32)}.tmp-${process.pid}-0a1b2c3d`);
  await mkdir(deadStaging);
  await mkdir(liveStaging);
  await store.commit(DIGEST_B, await staged(store, DIGEST_B, 'b'), META, false);
  expect(existsSync(entryA)).toBe(false);
  expect(existsSync(deadStaging)).toBe(false);
  expect(existsSync(liveStaging)).toBe(true);
  expect(await store.lookup(DIGEST_B)).not.toBeNull();
});

test('a lookup marks the base used, so it outlives one that was not', async () => {
  const store = new BaseStore(root);
  await store.commit(DIGEST_A, await staged(store, DIGEST_A, 'a'), META, false);
  const entryA = join(root, 'bases', DIGEST_A.slice(0, 32));
  const longAgo = new Date(Date.now() - BASE_UNUSED_MS - 60_000);
  await utimes(entryA, longAgo, longAgo);
  await store.lookup(DIGEST_A);
  await store.commit(DIGEST_B, await staged(store, DIGEST_B, 'b'), META, false);
  expect(existsSync(entryA)).toBe(true);
});

test('a base built elsewhere is adopted as a copy, found by its digest afterwards', async () => {
  const store = new BaseStore(root);
  const elsewhere = join(root, 'old-cache.squashfs');
  await writeFile(elsewhere, 'old');
  const adopted = await store.adopt(DIGEST_A, { squashfs: elsewhere, ...META });
  expect(await readFile(adopted.squashfs, 'utf8')).toBe('old');
  expect((await store.lookup(DIGEST_A))?.squashfs).toBe(adopted.squashfs);
});

test('the store is HEARTH_PACK_CACHE when set, /var/cache/hearth-pack for root, else the user cache', () => {
  expect(defaultBaseStoreRoot({ HEARTH_PACK_CACHE: '/srv/bases' }, 0)).toBe('/srv/bases');
  expect(defaultBaseStoreRoot({}, 0)).toBe('/var/cache/hearth-pack');
  expect(defaultBaseStoreRoot({ XDG_CACHE_HOME: '/home/a/.cache' }, 1000)).toBe('/home/a/.cache/hearth-pack');
});
