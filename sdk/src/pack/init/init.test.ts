import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { typeCheckPackage } from '../typecheck.js';
import { idFromName, initPackage } from './init.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-init-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test('a package id is made from the folder name', () => {
  expect(idFromName('My Site_2')).toBe('my-site-2');
  expect(idFromName('2fast')).toBe('fast');
  expect(idFromName('---')).toBe('my-package');
});

test.each(['busybox', 'debian'] as const)('the %s template, outside the checkout, type-checks against the SDK it installed offline', async (template) => {
  const pkg = join(dir, 'My Site');
  const result = await initPackage({ dir: pkg, template });
  expect(result.id).toBe('my-site');
  const json = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  expect(json.dependencies['@hearth/sdk']).toMatch(/^file:vendor\/hearth-sdk-\d+\.\d+\.\d+\.tgz$/);
  // Installed from the tarball, not linked into the checkout.
  expect(existsSync(join(pkg, 'node_modules/@hearth/sdk/dist/index.d.ts'))).toBe(true);
  expect(existsSync(join(pkg, 'node_modules/@hearth/sdk/dist/pack'))).toBe(false);
  expect(typeCheckPackage(pkg, join(pkg, 'src/index.ts'))).toEqual([]);
  // The installed library runs: its manifest validation reads ranges with the semver bundled in the tarball.
  const run = await execa('node', ['--input-type=module', '-e', "import { validateManifest } from '@hearth/sdk'; const m = validateManifest({ id: 'a', title: 'a', version: '1.0.0', images: { main: { source: { type: 'directory', path: 'i' } } }, dependencies: { b: { version: '1.2.3 - 2.0.0' } } }); console.log(m.dependencies.b.version);"], { cwd: pkg });
  expect(run.stdout).toBe('1.2.3 - 2.0.0');
}, 120_000);

test('init refuses a folder that is not empty and writes nothing into it', async () => {
  await writeFile(join(dir, 'notes.txt'), 'mine');
  const error = await initPackage({ dir, install: false }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'INVALID_PARAMS' });
  expect((error as Error).message).toContain('is not empty (notes.txt)');
  expect(existsSync(join(dir, 'package.json'))).toBe(false);
});
