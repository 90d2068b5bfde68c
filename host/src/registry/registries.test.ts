import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { validateManifest, type HostEvent, type PackageSummary } from '@hearth/sdk/contract';
import { publicKeyOf, writeArchive } from '@hearth/sdk/archive';
import { parseIndexPayload, publishPackage, signIndex } from '@hearth/sdk/registry';
import { Registries, type Installer } from './registries.js';
import { RegistryStore } from './store.js';

/** A small signed .hpk of `id` `version`, needing `deps`. */
async function hpk(dir: string, id: string, version: string, key: KeyObject, deps: Record<string, string> = {}): Promise<string> {
  const manifest = validateManifest({
    id,
    title: id,
    version,
    images: { main: { source: { type: 'directory', path: 'image' } } },
    dependencies: Object.fromEntries(Object.entries(deps).map(([d, range]) => [d, { version: range }])),
  });
  const out = join(dir, `${id}-${version}-${publicKeyOf(key).slice(0, 4).replace(/\W/g, '')}.hpk`);
  await writeArchive({
    out,
    privateKey: key,
    manifest,
    members: [
      { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) },
      { name: 'scripts/index.js', data: Buffer.from('export const main = () => null;\n') },
      { name: 'images/main.json', data: Buffer.from(JSON.stringify({ entrypoint: null, cmd: null, env: [], workdir: '/', user: 'root' })) },
      { name: 'images/main.squashfs', data: Buffer.alloc(200_000, version.length) },
    ],
  });
  return out;
}

/** The installer as the host's manager would be, recording what it was handed. */
class FakeInstaller implements Installer {
  readonly installed = new Map<string, { version: string; signer: string; bytes: Buffer }>();
  readonly events: HostEvent[] = [];
  list() {
    return [...this.installed].map(([id, i]) => ({ id, version: i.version, signer: i.signer }));
  }
  async install(path: string, options: { expectId?: string }): Promise<PackageSummary> {
    const id = options.expectId ?? '';
    const version = /-(\d+\.\d+\.\d+)-[0-9a-f]{16}\.hpk$/.exec(path)?.[1] ?? '';
    this.installed.set(id, { version, signer: 'x', bytes: await readFile(path) });
    return { id, title: id, version, signer: 'x' };
  }
  emit(event: HostEvent): void {
    this.events.push(event);
  }
}

describe('registries (against a static file server on 127.0.0.1)', () => {
  let dir: string;
  let site: string;
  let server: Server;
  let url: string;
  let registryPem: string;
  let registryKey: string;
  const publisher = generateKeyPairSync('ed25519').privateKey;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-registries-'));
    site = join(dir, 'site');
    const registry = generateKeyPairSync('ed25519').privateKey;
    registryPem = join(dir, 'registry.pem');
    await writeFile(registryPem, registry.export({ format: 'pem', type: 'pkcs8' }));
    registryKey = publicKeyOf(registry);
    for (const [id, version, deps] of [['base', '1.0.0', {}], ['base', '1.2.0', {}], ['app', '2.0.0', { base: '^1.1.0' }]] as const) {
      await publishPackage({ hpk: await hpk(dir, id, version, publisher, deps), registryDir: site, keyPath: registryPem });
    }
    server = createServer((req, res) => {
      const file = join(site, new URL(req.url ?? '/', 'http://x').pathname.replace(/\.\./g, ''));
      void stat(file).then(
        (s) => {
          res.writeHead(200, { 'content-length': s.size });
          createReadStream(file).pipe(res);
        },
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  async function fresh(now?: () => Date) {
    const home = await mkdtemp(join(dir, 'host-'));
    const store = await RegistryStore.open(join(home, 'registries.json'));
    const installer = new FakeInstaller();
    const registries = new Registries(store, installer, join(home, 'downloads'), '0.1.0', now);
    await registries.add('main', url, registryKey);
    return { home, store, installer, registries };
  }

  test('install hands the install path the exact published bytes of the newest version, and keeps no download', async () => {
    const { home, installer, registries } = await fresh();
    await registries.install('base', '*', {});
    expect(installer.installed.get('base')?.version).toBe('1.2.0');
    expect(installer.installed.get('base')?.bytes).toEqual(await readFile(join(site, 'packages/base/base-1.2.0.hpk')));
    expect(installer.events.at(-1)).toMatchObject({ type: 'install.progress', phase: 'downloading', bytes: (await stat(join(site, 'packages/base/base-1.2.0.hpk'))).size });
    expect(await readdir(join(home, 'downloads', 'main'))).toEqual([]);
  });

  test('with dependencies, a missing one is installed first in a version its range allows', async () => {
    const { installer, registries } = await fresh();
    expect((await registries.plan('app', '*')).map((p) => `${p.id}@${p.version}`)).toEqual(['base@1.2.0', 'app@2.0.0']);
    await registries.install('app', '*', { dependencies: true });
    expect([...installer.installed.keys()]).toEqual(['base', 'app']);
  });

  test('a replayed older index is refused with REGISTRY_ROLLBACK and the floor stays', async () => {
    const { store, installer, registries } = await fresh();
    const old = await readFile(join(site, 'index.json'));
    await publishPackage({ hpk: await hpk(dir, 'base', '1.3.0', publisher), registryDir: site, keyPath: registryPem });
    await registries.search([]);
    const floor = store.get('main').seenVersion;
    const current = await readFile(join(site, 'index.json'));
    await writeFile(join(site, 'index.json'), old);
    try {
      await expect(registries.install('base', '*', {})).rejects.toMatchObject({ code: 'REGISTRY_ROLLBACK' });
      // Nor does adding the registry again with the same key lower the floor.
      await expect(registries.add('main', url, registryKey)).rejects.toMatchObject({ code: 'REGISTRY_ROLLBACK' });
      expect(store.get('main').seenVersion).toBe(floor);
      expect(installer.installed.size).toBe(0);
    } finally {
      await writeFile(join(site, 'index.json'), current);
    }
  });

  test('an index past its expiry is refused with REGISTRY_EXPIRED', async () => {
    const { registries } = await fresh();
    const later = new Registries(await RegistryStore.open(join(dir, 'later.json')), new FakeInstaller(), join(dir, 'later'), '0.1.0', () => new Date(Date.now() + 365 * 86_400_000));
    await expect(later.add('main', url, registryKey)).rejects.toMatchObject({ code: 'REGISTRY_EXPIRED' });
    await expect(registries.search([])).resolves.toHaveLength(2);
  });

  test('a file that differs from the index is refused with REGISTRY_HASH_MISMATCH; one signed by another publisher with REGISTRY_PUBLISHER_MISMATCH', async () => {
    const { installer, registries } = await fresh();
    const file = join(site, 'packages/base/base-1.0.0.hpk');
    const good = join(dir, 'good.hpk');
    await copyFile(file, good);
    try {
      const bytes = await readFile(good);
      bytes[bytes.length - 3000] = (bytes[bytes.length - 3000] ?? 0) ^ 1;
      await writeFile(file, bytes);
      await expect(registries.install('base', '1.0.0', {})).rejects.toMatchObject({ code: 'REGISTRY_HASH_MISMATCH' });
      expect(installer.installed.size).toBe(0);
    } finally {
      await copyFile(good, file);
    }
    // The index names `publisher` for base; a file from another key, listed with its true hash, is still refused.
    const other = await hpk(dir, 'base', '1.0.0', generateKeyPairSync('ed25519').privateKey);
    const index = JSON.parse(await readFile(join(site, 'index.json'), 'utf8')) as { payload: string };
    const payload = JSON.parse(index.payload) as { packages: Record<string, { versions: Record<string, { sha256: string; size: number }> }> };
    const entry = payload.packages['base']!.versions['1.0.0']!;
    expect(entry.size).toBe((await stat(other)).size);
    await copyFile(file, good);
    try {
      await copyFile(other, file);
      entry.sha256 = createHash('sha256').update(await readFile(other)).digest('hex');
      const parsed = parseIndexPayload(JSON.stringify(payload));
      parsed.version += 10;
      const before = await readFile(join(site, 'index.json'));
      await writeFile(join(site, 'index.json'), signIndex(parsed, createPrivateKey(await readFile(registryPem, 'utf8'))));
      try {
        await expect(registries.install('base', '1.0.0', {})).rejects.toMatchObject({ code: 'REGISTRY_PUBLISHER_MISMATCH' });
        expect(installer.installed.size).toBe(0);
      } finally {
        await writeFile(join(site, 'index.json'), before);
      }
    } finally {
      await copyFile(good, file);
    }
  });
});
