import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { HearthError } from '../../errors.js';
import type { ImageDeclaration } from '../../manifest.js';
import { buildImage } from './build.js';
import { CACHE_DIR, ImageCache } from './cache.js';
import { InputDigest } from './digest.js';

let dir: string;
const machineStore = process.env['HEARTH_PACK_CACHE'];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-cache-'));
  process.env['HEARTH_PACK_CACHE'] = join(dir, 'machine'); // never the real /var/cache/hearth-pack
});
afterEach(async () => {
  if (machineStore === undefined) delete process.env['HEARTH_PACK_CACHE'];
  else process.env['HEARTH_PACK_CACHE'] = machineStore;
  await rm(dir, { recursive: true, force: true });
});

/** A rootfs tarball in the package folder holding one file with `text`. */
async function rootfs(name: string, text: string): Promise<string> {
  const tree = join(dir, `${name}.tree`);
  await mkdir(join(tree, 'etc'), { recursive: true });
  await writeFile(join(tree, 'etc/motd'), text);
  await execa('tar', ['-C', tree, '-cf', join(dir, `${name}.tar`), '.']);
  return `${name}.tar`;
}

test('rebuilding image app keeps the cached build of image app-server (ids that share a prefix)', async () => {
  const work = join(dir, 'work');
  await mkdir(work);
  const server: ImageDeclaration = { source: { type: 'tarball', path: await rootfs('server', 'server') } };
  expect((await buildImage(dir, 'app-server', server, work)).cached).toBe(false);
  const app: ImageDeclaration = { source: { type: 'tarball', path: await rootfs('app', 'one') } };
  await buildImage(dir, 'app', app, work);
  await rootfs('app', 'two'); // app changes: its older build is superseded, app-server's is not
  expect((await buildImage(dir, 'app', app, work)).cached).toBe(false);
  expect((await buildImage(dir, 'app-server', server, work)).cached).toBe(true);
});

test('a second package folder with the same source reuses the base the first one built', async () => {
  await mkdir(join(dir, 'one'));
  await mkdir(join(dir, 'two'));
  const tar = await rootfs('shared', 'shared');
  for (const pkg of ['one', 'two']) await execa('cp', [join(dir, tar), join(dir, pkg, tar)]);
  const decl: ImageDeclaration = { source: { type: 'tarball', path: tar } };
  expect(await buildImage(join(dir, 'one'), 'main', decl, join(dir, 'work'))).toMatchObject({ baseCached: false });
  const second = await buildImage(join(dir, 'two'), 'other', decl, join(dir, 'work'));
  expect(second).toMatchObject({ baseCached: true });
  expect(second.squashfs.startsWith(join(dir, 'machine', 'bases'))).toBe(true);
  expect(await catIn(second.squashfs, 'etc/motd')).toBe('shared');
});

test("a base in the package's own cache (from hearth-pack before the base store) is reused and moved into the store", async () => {
  const decl: ImageDeclaration = { source: { type: 'tarball', path: await rootfs('legacy', 'legacy') } };
  const built = await buildImage(dir, 'main', decl, join(dir, 'work'));
  // As an earlier hearth-pack left it: the base in .hearth-cache/images/main/base-<digest>/, none in the store.
  const storeEntry = dirname(built.squashfs);
  const legacy = new ImageCache(join(dir, CACHE_DIR), 'main');
  const staging = await legacy.staging('base', basename(storeEntry));
  await execa('cp', [built.squashfs, join(staging, 'image.squashfs')]);
  await legacy.commit('base', basename(storeEntry), staging, { config: built.config, owners: process.getuid?.() === 0 });
  await rm(join(dir, 'machine'), { recursive: true });
  const again = await buildImage(dir, 'main', decl, join(dir, 'work'));
  expect(again).toMatchObject({ baseCached: true });
  expect(again.squashfs).toBe(built.squashfs);
  expect(await catIn(again.squashfs, 'etc/motd')).toBe('legacy');
});

/** The content of `path` inside a squashfs. */
async function catIn(squashfs: string, path: string): Promise<string> {
  return (await execa('unsquashfs', ['-cat', squashfs, path])).stdout;
}

test('editing a file an image adds rebuilds the image from the cached base, with the new content', async () => {
  const work = join(dir, 'work');
  await mkdir(join(dir, 'app'), { recursive: true });
  await writeFile(join(dir, 'app/config'), 'one');
  const decl: ImageDeclaration = { source: { type: 'tarball', path: await rootfs('base', 'base') }, add: [{ from: 'app', to: '/opt/app' }] };
  const first = await buildImage(dir, 'main', decl, work);
  expect(first).toMatchObject({ cached: false, baseCached: false });
  await writeFile(join(dir, 'app/config'), 'two');
  const second = await buildImage(dir, 'main', decl, work);
  expect(second).toMatchObject({ cached: false, baseCached: true });
  expect(await catIn(second.squashfs, 'opt/app/config')).toBe('two');
  expect(await catIn(second.squashfs, 'etc/motd')).toBe('base');
  expect(await buildImage(dir, 'main', decl, work)).toMatchObject({ cached: true, baseCached: true });
});

test('a file added through an absolute symlink of the image lands inside the image, not on the host', async () => {
  const tree = join(dir, 'linked.tree');
  const hostTarget = join(dir, 'host-target');
  await mkdir(join(tree, 'usr/lib'), { recursive: true });
  await mkdir(hostTarget);
  await execa('ln', ['-s', hostTarget, join(tree, 'lib')]); // inside the image, /lib is <host path>, not the host's folder
  await execa('ln', ['-s', '/usr/lib', join(tree, 'lib2')]);
  await execa('tar', ['-C', tree, '-cf', join(dir, 'linked.tar'), '.']);
  await writeFile(join(dir, 'file'), 'added');
  const decl: ImageDeclaration = { source: { type: 'tarball', path: 'linked.tar' }, add: [{ from: 'file', to: '/lib/x' }, { from: 'file', to: '/lib2/y' }] };
  const built = await buildImage(dir, 'main', decl, join(dir, 'work'));
  expect(await readdir(hostTarget)).toEqual([]);
  expect(await catIn(built.squashfs, `${hostTarget.slice(1)}/x`)).toBe('added');
  expect(await catIn(built.squashfs, 'usr/lib/y')).toBe('added');
});

test.each([
  ['a docker save file that does not exist', { type: 'docker-archive', path: 'missing.tar' }, 'images.web.source.path', /missing\.tar does not exist/],
  ['an OCI layout that does not exist', { type: 'oci-layout', path: 'nowhere' }, 'images.web.source.path', /nowhere does not exist/],
  ['a rootfs tarball that does not exist', { type: 'tarball', path: 'gone.tar.gz' }, 'images.web.source.path', /gone\.tar\.gz does not exist/],
  ['a directory that does not exist', { type: 'directory', path: 'image' }, 'images.web.source.path', /image does not exist/],
] as const)('%s fails naming the image and the manifest field, with a hint', async (_what, source, field, message) => {
  const error = await buildImage(dir, 'web', { source }, join(dir, 'work')).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'PACK_FAILED', details: { image: 'web', field } });
  expect((error as Error).message).toMatch(new RegExp(`^image web \\(${field.replace(/\./g, '\\.')}\\): `));
  expect((error as Error).message).toMatch(message);
  expect((error as HearthError).hint).toBeTruthy();
});

test('an OCI layout without the tag asked for names images.<id>.source.tag and the tags it has', async () => {
  const layout = join(dir, 'layout');
  await mkdir(join(layout, 'blobs/sha256'), { recursive: true });
  await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ digest: `sha256:${'0'.repeat(64)}`, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
  const error = await buildImage(dir, 'db', { source: { type: 'oci-layout', path: 'layout', tag: 'v2' } }, join(dir, 'work')).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'PACK_FAILED', details: { image: 'db', field: 'images.db.source.tag' } });
  expect((error as Error).message).toContain('no image tagged v2 in index.json (tags: v1)');
});

test('cached builds whose meta.json is damaged (the base in the machine store, the image in the package) are built again, not an INTERNAL JSON error', async () => {
  const work = join(dir, 'work');
  await mkdir(join(dir, 'app'));
  await writeFile(join(dir, 'app/config'), 'one');
  const decl: ImageDeclaration = { source: { type: 'tarball', path: await rootfs('base', 'base') }, add: [{ from: 'app', to: '/opt/app' }] };
  expect(await buildImage(dir, 'main', decl, work)).toMatchObject({ cached: false, baseCached: false });
  const metas = (await readdir(dir, { recursive: true })).filter((path) => basename(path) === 'meta.json');
  expect(metas.length).toBe(2);
  for (const meta of metas) await writeFile(join(dir, meta), '{"config": {"entry');
  const again = await buildImage(dir, 'main', decl, work);
  expect(again).toMatchObject({ cached: false, baseCached: false });
  expect(await catIn(again.squashfs, 'etc/motd')).toBe('base');
  expect(await catIn(again.squashfs, 'opt/app/config')).toBe('one');
  expect(await buildImage(dir, 'main', decl, work)).toMatchObject({ cached: true, baseCached: true });
});

test('a docker save archive that does not exist names images.<id>.source.path with a hint, not INTERNAL: ENOENT', async () => {
  const error = await buildImage(dir, 'web', { source: { type: 'docker-archive', path: 'saved.tar', tag: 'demo/web:1.0' } }, join(dir, 'work')).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'PACK_FAILED', details: { image: 'web', field: 'images.web.source.path' } });
  expect((error as HearthError).message).toBe(`image web (images.web.source.path): ${join(dir, 'saved.tar')} does not exist`);
  expect((error as HearthError).hint).toMatch(/\S/);
});

test('a file an image adds that does not exist names images.<id>.add[i].from', async () => {
  const decl: ImageDeclaration = { source: { type: 'tarball', path: await rootfs('base', 'base') }, add: [{ from: 'build/app', to: '/opt/app' }] };
  const error = await buildImage(dir, 'app', decl, join(dir, 'work')).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'PACK_FAILED', details: { image: 'app', field: 'images.app.add[0].from' } });
  expect((error as Error).message).toContain('build/app does not exist');
});

test('a source file that changed after it was hashed is refused, naming it', async () => {
  const file = join(dir, 'input');
  await writeFile(file, 'before');
  const inputs = new InputDigest('test');
  await inputs.file(file);
  await inputs.assertUnchanged();
  await writeFile(file, 'after, longer');
  await expect(inputs.assertUnchanged()).rejects.toMatchObject({ code: 'PACK_FAILED', message: `${file} changed while it was packed` });
});

test('a debootstrap image in a folder whose path has a space is built in the base store, which has none', async () => {
  const spaced = join(dir, 'my package');
  await mkdir(spaced);
  const error = await buildImage(spaced, 'db', { source: { type: 'debootstrap', suite: 'bookworm', mirror: 'http://127.0.0.1:9/debian' } }, join(dir, 'work')).catch((e: unknown) => e);
  // Debootstrap ran (and found no mirror on the discard port): the package folder's space did not matter.
  expect(error).toMatchObject({ code: 'PACK_FAILED', details: { image: 'db', field: 'images.db.source' } });
  expect((error as Error).message).toMatch(/debootstrap bookworm failed|debootstrap needs root/);
});

test('a base store whose path has a space is refused before debootstrap runs, naming the image', async () => {
  process.env['HEARTH_PACK_CACHE'] = join(dir, 'my bases');
  const error = await buildImage(dir, 'db', { source: { type: 'debootstrap', suite: 'bookworm' } }, join(dir, 'work')).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'PACK_FAILED', details: { image: 'db', field: 'images.db.source' } });
  expect((error as Error).message).toMatch(/the path has whitespace|debootstrap needs root/);
});
