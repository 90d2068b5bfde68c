import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryStore } from './store.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('the registries file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-registry-store-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('keeps registries across a reopen, root-only, and never lowers a floor even when raises race', async () => {
    const file = join(dir, 'registries.json');
    const store = await RegistryStore.open(file);
    await store.put({ name: 'main', url: 'http://127.0.0.1:1/', publicKey: KEY, fingerprint: '', addedAt: '2026-01-01T00:00:00Z', seenVersion: 3 });
    await Promise.all([store.recordSeen('main', 9), store.recordSeen('main', 5), store.recordSeen('main', 2)]);
    const again = await RegistryStore.open(file);
    expect(again.get('main')).toMatchObject({ url: 'http://127.0.0.1:1/', publicKey: KEY, seenVersion: 9 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await again.remove('main');
    expect((await RegistryStore.open(file)).list()).toEqual([]);
    expect(() => again.get('main')).toThrow(expect.objectContaining({ code: 'REGISTRY_NOT_FOUND' }) as Error);
  });

  test('a damaged file is refused with a hint instead of a bare parse error', async () => {
    const file = join(dir, 'damaged.json');
    await writeFile(file, '{"format": "hearth-regis');
    await expect(RegistryStore.open(file)).rejects.toMatchObject({ code: 'INTERNAL', hint: expect.stringContaining('add the registries again') as string });
    expect(await readFile(file, 'utf8')).toBe('{"format": "hearth-regis');
  });
});
