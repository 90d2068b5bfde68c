import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generatePrivateKeyPem, loadPrivateKey, publicKeyOf } from '../archive/signing.js';
import { newKey, writeValid } from '../archive/test-archives.js';
import { openIndex } from './index-document.js';
import { publishPackage, resignRegistry } from './publish.js';

describe('hearth-pack publish', () => {
  let dir: string;
  let registry: string;
  let keyPath: string;
  let registryKey: string;
  const publisher = newKey();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-publish-'));
    registry = join(dir, 'registry');
    keyPath = join(dir, 'registry.pem');
    await writeFile(keyPath, generatePrivateKeyPem());
    registryKey = publicKeyOf(await loadPrivateKey(keyPath));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('adds the version with size, sha256 and publisher, and signs an index whose version rises on each publish', async () => {
    const hpk = await writeValid(dir, 'demo.hpk', publisher);
    const first = await publishPackage({ hpk, registryDir: registry, keyPath, minHearth: '0.1.0', now: new Date('2026-01-01T00:00:00Z') });
    expect(first).toMatchObject({ id: 'demo', version: '1.0.0', indexVersion: 1, file: 'packages/demo/demo-1.0.0.hpk', expires: '2026-01-31T00:00:00.000Z' });
    const again = await publishPackage({ hpk, registryDir: registry, keyPath });
    expect(again.indexVersion).toBe(2);
    const index = openIndex(await readFile(join(registry, 'index.json')), registryKey);
    expect(index.version).toBe(2);
    expect(index.packages['demo']?.versions['1.0.0']).toMatchObject({ sha256: first.sha256, minHearth: '0.1.0', size: (await readFile(hpk)).length });
    expect(index.packages['demo']?.publisher).toBe(publicKeyOf(publisher));
    expect(await readFile(join(registry, first.file))).toEqual(await readFile(hpk));
  });

  test('an index whose payload was altered, or read with another registry key, is refused with REGISTRY_BAD_SIGNATURE', async () => {
    const bytes = await readFile(join(registry, 'index.json'));
    const tampered = Buffer.from(bytes.toString('utf8').replace('"version\\": 2', '"version\\": 9'));
    expect(tampered.equals(bytes)).toBe(false);
    expect(() => openIndex(tampered, registryKey)).toThrow(expect.objectContaining({ code: 'REGISTRY_BAD_SIGNATURE' }) as Error);
    expect(() => openIndex(bytes, publicKeyOf(newKey()))).toThrow(expect.objectContaining({ code: 'REGISTRY_BAD_SIGNATURE' }) as Error);
  });

  test('a package signed by another publisher than its earlier versions is refused with SIGNER_CHANGED and the index is unchanged', async () => {
    const before = await readFile(join(registry, 'index.json'));
    const other = await writeValid(dir, 'other.hpk', newKey());
    await expect(publishPackage({ hpk: other, registryDir: registry, keyPath })).rejects.toMatchObject({ code: 'SIGNER_CHANGED' });
    expect(await readFile(join(registry, 'index.json'))).toEqual(before);
  });

  test('resign raises the version and moves the expiry, keeping every package as it was', async () => {
    const before = openIndex(await readFile(join(registry, 'index.json')), registryKey);
    const signed = await resignRegistry({ registryDir: registry, keyPath, expiresDays: 7, now: new Date('2026-06-01T00:00:00Z') });
    const after = openIndex(await readFile(join(registry, 'index.json')), registryKey);
    expect(signed).toEqual({ indexVersion: before.version + 1, expires: '2026-06-08T00:00:00.000Z' });
    expect(after.packages).toEqual(before.packages);
  });
});
