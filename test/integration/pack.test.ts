import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keygen } from '../support/packages.js';
import { EXAMPLES, FIXTURES, HEARTH_PACK } from '../support/repo.js';

/** A package folder under test/fixtures/.work (so it resolves @hearth/sdk) with this entry source. */
async function packageWith(name: string, source: string): Promise<string> {
  const dir = join(FIXTURES, '.work', name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  await writeFile(join(dir, 'src/index.ts'), source);
  return dir;
}

const pack = (dir: string, key: string, out: string) => execa('node', [HEARTH_PACK, dir, '--key', key, '--out', out], { reject: false });

describe('hearth-pack', () => {
  let work: string;
  let key: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-pack-'));
    key = await keygen(join(work, 'key.pem'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('package code that does not type-check fails the pack with file:line:column and the message', async () => {
    const dir = await packageWith(
      'typo',
      `import { Daemons, defineManifest } from '@hearth/sdk';
export const manifest = defineManifest({ id: 'typo', title: 'Typo', version: '1.0.0', images: { main: { source: { type: 'directory', path: 'image' } } } });
export const main = () => Daemons.of(manifest)
  .add('web', { image: 'mian', command: ['true'] });
`,
    );
    const result = await pack(dir, key, join(work, 'typo.hpk'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('PACK_FAILED: the package code does not type-check (1 error)');
    expect(result.stderr).toMatch(/src\/index\.ts:4:\d+ Type '"mian"' is not assignable to type '"main"'/);
  });

  test('a requires that names a daemon added later does not compile', async () => {
    const dir = await packageWith(
      'order',
      `import { Daemons, defineManifest } from '@hearth/sdk';
export const manifest = defineManifest({ id: 'order', title: 'Order', version: '1.0.0', images: { main: { source: { type: 'directory', path: 'image' } } } });
export const main = () => Daemons.of(manifest)
  .add('app', { image: 'main', requires: ['db'] })
  .add('db', { image: 'main' });
`,
    );
    const result = await pack(dir, key, join(work, 'order.hpk'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/src\/index\.ts:4:\d+ Type 'string' is not assignable to type 'never'/);
  });

  test('an image from a rootfs tarball is packed, and packed again from the cache when unchanged', async () => {
    const dir = await packageWith(
      'from-tarball',
      `import { Daemons, defineManifest } from '@hearth/sdk';
export const manifest = defineManifest({ id: 'from-tarball', title: 'Tarball', version: '1.0.0', images: { main: { source: { type: 'tarball', path: 'rootfs.tar.gz' } } } });
export const main = () => Daemons.of(manifest).add('web', { image: 'main', command: ['httpd', '-f'] });
`,
    );
    await execa('bash', [join(EXAMPLES, 'hello-world/build-image.sh')]);
    const rootfs = join(work, 'rootfs');
    await cp(join(EXAMPLES, 'hello-world/image'), rootfs, { recursive: true, verbatimSymlinks: true });
    await execa('tar', ['-C', rootfs, '-czf', join(dir, 'rootfs.tar.gz'), '.']);
    const first = await pack(dir, key, join(work, 'tarball.hpk'));
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).not.toContain('cached build reused');
    const second = await pack(dir, key, join(work, 'tarball2.hpk'));
    expect(second.stderr).toContain('image main: unchanged inputs, cached build reused');
    const inspect = await execa('node', [HEARTH_PACK, 'inspect', join(work, 'tarball2.hpk'), '--json']);
    const info = JSON.parse(inspect.stdout) as { members: { name: string; sha256: string }[] };
    const firstInfo = JSON.parse((await execa('node', [HEARTH_PACK, 'inspect', join(work, 'tarball.hpk'), '--json'])).stdout) as typeof info;
    expect(info.members.find((m) => m.name === 'images/main.squashfs')?.sha256).toBe(firstInfo.members.find((m) => m.name === 'images/main.squashfs')?.sha256);
    expect((await readFile(join(work, 'tarball2.hpk'))).length).toBeGreaterThan(100_000);
  });
});
