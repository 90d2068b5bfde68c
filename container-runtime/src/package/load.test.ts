import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadPackage } from './load.js';

describe('loading a package', () => {
  test('a manifest that does not validate is refused with the field, before any package code runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-load-'));
    try {
      await mkdir(join(dir, 'images'));
      await writeFile(join(dir, 'manifest.json'), JSON.stringify({ id: 'demo', images: { main: { source: { kind: 'busybox' } } } }));
      await writeFile(join(dir, 'index.mjs'), `throw new Error('package code ran');`);
      await expect(loadPackage(dir, join(dir, 'settings.json'))).rejects.toMatchObject({ code: 'MANIFEST_INVALID', message: expect.stringContaining('manifest.title') as string });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
