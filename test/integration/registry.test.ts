import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createHash, createPrivateKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PackageSummary, RegistryInfo, RegistryPackageInfo, RegistryUpdate, ServiceStatus, ServiceSummary } from '@hearth/sdk/contract';
import { parseIndexPayload, signIndex, type RegistryIndex } from '@hearth/sdk/registry';
import { TestHearthd } from '../support/hearthd.js';
import { keygen, PACK_TIMEOUT_MS, packExample, packVersion, publisherKey } from '../support/packages.js';
import { RegistryServer, servedRegistry } from '../support/registry-server.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const PORT_BASE = 19_000 + Math.floor(Math.random() * 10_000);
const V2 = 'packages/hello-world/hello-world-1.1.0.hpk';

describe.skipIf(skipUnless({ root: isRoot }))('installing from a registry served as static files', () => {
  let work: string;
  let registryDir: string;
  let registryPem: string;
  let otherSigned: string;
  let server: RegistryServer;
  let hearthd: TestHearthd;

  const currentIndex = async (): Promise<RegistryIndex> => parseIndexPayload((JSON.parse(await readFile(join(registryDir, 'index.json'), 'utf8')) as { payload: string }).payload);
  /** What the registry's operator (or an attacker with its key) would publish: the index changed, signed again. */
  const resign = async (change: (index: RegistryIndex) => void): Promise<void> => {
    const index = await currentIndex();
    index.version += 1;
    change(index);
    await writeFile(join(registryDir, 'index.json'), signIndex(index, createPrivateKey(await readFile(registryPem, 'utf8'))));
  };
  /** A refused call: its code, from the CLI's --json error. */
  const refused = async (...args: string[]): Promise<string> => {
    const result = await hearthd.cli('--json', ...args);
    expect(result.exitCode).not.toBe(0);
    return (JSON.parse(result.stdout) as { error: { code: string } }).error.code;
  };
  /** What must not change when a registry is refused: installed packages, their state, the registries' floors. */
  const hostState = async () => ({
    packages: (await hearthd.json<ServiceSummary[]>('list')).map(({ id, version, state, ready }) => ({ id, version, state, ready })),
    registries: await hearthd.json<RegistryInfo[]>('registry', 'ls'),
    downloads: await readdir(join(hearthd.dataDir, 'downloads', 'main')).catch(() => []),
  });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-registry-'));
    const publisher = await publisherKey(join(work, 'publisher.pem'));
    const v1 = await packExample('hello-world', publisher, join(work, 'hello-1.0.0.hpk'));
    const v2 = await packVersion('hello-world', '1.1.0', publisher, join(work, 'hello-1.1.0.hpk'));
    otherSigned = await packVersion('hello-world', '1.1.0', await keygen(join(work, 'other.pem')), join(work, 'hello-1.1.0-other.hpk'));
    const served = await servedRegistry(work, [v1, v2, await packExample('status-page', publisher, join(work, 'status-page.hpk'))]);
    ({ server, root: registryDir, pem: registryPem } = served);
    hearthd = await TestHearthd.start(PORT_BASE);
    await hearthd.trust(publisher);
  }, 3 * PACK_TIMEOUT_MS);

  afterAll(async () => {
    await hearthd?.cli('uninstall', 'hello-world', '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    await server?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a registry is added with its key and search finds hello-world with both published versions, newest first', async () => {
    const added = await hearthd.json<RegistryInfo>('registry', 'add', 'main', server.url, '--key', join(work, 'registry.pub'));
    expect(added).toMatchObject({ name: 'main', url: server.url, seenVersion: 3 });
    // status-page's description names hello-world: every word is looked for in id, title and description.
    const found = await hearthd.json<RegistryPackageInfo[]>('search', 'hello');
    expect(found.map((p) => p.id)).toEqual(['hello-world', 'status-page']);
    expect(found[0]).toMatchObject({ id: 'hello-world', registry: 'main', latest: '1.1.0', installed: null });
    expect(found[0]?.versions.map((v) => v.version)).toEqual(['1.1.0', '1.0.0']);
    expect((await hearthd.json<RegistryPackageInfo[]>('search', 'status', 'PAGE')).map((p) => p.id)).toEqual(['status-page']);
    expect(await hearthd.json<RegistryPackageInfo[]>('search', 'no-such-words')).toEqual([]);
  });

  test('install by range takes the newest matching version; updates lists the newer one and update --all applies it', async () => {
    expect(await hearthd.json<PackageSummary>('install', 'hello-world@~1.0.0')).toMatchObject({ id: 'hello-world', version: '1.0.0' });
    expect(await hearthd.json<RegistryUpdate[]>('updates')).toEqual([{ id: 'hello-world', registry: 'main', installed: '1.0.0', available: '1.1.0' }]);
    const { length } = await hearthd.json<PackageSummary[]>('update', '--all');
    expect(length).toBe(1);
    expect((await hearthd.json<ServiceSummary[]>('list')).map((s) => s.version)).toEqual(['1.1.0']);
    expect(await hearthd.json<RegistryUpdate[]>('updates')).toEqual([]);
    await hearthd.cli('uninstall', 'hello-world', '--purge', '--yes');
  }, PACK_TIMEOUT_MS);

  test('a package with a missing dependency installs only once confirmed, the dependency first', async () => {
    expect(await refused('install', 'status-page')).toBe('INVALID_PARAMS');
    expect(await hearthd.json<ServiceSummary[]>('list')).toEqual([]);
    expect(await hearthd.json<PackageSummary>('install', 'status-page', '--yes')).toMatchObject({ id: 'status-page', version: '1.0.0' });
    expect((await hearthd.json<ServiceSummary[]>('list')).map((s) => `${s.id}@${s.version}`)).toEqual(['hello-world@1.1.0', 'status-page@1.0.0']);
    await hearthd.cli('uninstall', 'status-page', '--purge', '--yes');
    await hearthd.cli('uninstall', 'hello-world', '--purge', '--yes');
  }, PACK_TIMEOUT_MS);

  test('install by name downloads the newest version, resuming with a Range request after the connection breaks midway', async () => {
    const size = (await readFile(join(registryDir, V2))).length;
    server.cutNext(`/${V2}`, Math.floor(size / 2));
    expect(await hearthd.json<PackageSummary>('install', 'hello-world')).toMatchObject({ version: '1.1.0' });
    const fetches = server.requests.filter((r) => r.path === `/${V2}`).slice(-2);
    expect(fetches).toEqual([{ path: `/${V2}`, range: null }, { path: `/${V2}`, range: `bytes=${Math.floor(size / 2)}-` }]);
    expect(await readdir(join(hearthd.dataDir, 'downloads', 'main'))).toEqual([]);
    await hearthd.cli('uninstall', 'hello-world', '--purge', '--yes');
    // The refusals below happen with 1.0.0 installed and running and 1.1.0 on offer.
    await hearthd.json('install', 'hello-world@1.0.0');
    expect((await hearthd.json<ServiceStatus>('start', 'hello-world')).ready).toBe(true);
  }, PACK_TIMEOUT_MS);

  test('a package whose bytes differ from the index is refused with REGISTRY_HASH_MISMATCH and nothing changes', async () => {
    const before = await hostState();
    const good = join(work, 'v2-good.hpk');
    await copyFile(join(registryDir, V2), good);
    const bytes = await readFile(good);
    bytes[bytes.length - 5000] = (bytes[bytes.length - 5000] ?? 0) ^ 0xff;
    await writeFile(join(registryDir, V2), bytes);
    expect(await refused('update', 'hello-world')).toBe('REGISTRY_HASH_MISMATCH');
    expect(await hostState()).toEqual(before);
    await copyFile(good, join(registryDir, V2));
  }, PACK_TIMEOUT_MS);

  test('a package signed by another publisher than the index names is refused with REGISTRY_PUBLISHER_MISMATCH and nothing changes', async () => {
    const original = await currentIndex();
    const other = await readFile(otherSigned);
    await copyFile(otherSigned, join(registryDir, 'packages/hello-world/other.hpk'));
    await resign((index) => {
      const entry = index.packages['hello-world']!.versions['1.1.0']!;
      Object.assign(entry, { file: 'packages/hello-world/other.hpk', size: other.length, sha256: createHash('sha256').update(other).digest('hex') });
    });
    const before = await hostState();
    expect(await refused('update', 'hello-world')).toBe('REGISTRY_PUBLISHER_MISMATCH');
    expect({ ...(await hostState()), registries: before.registries }).toEqual(before);
    await resign((index) => Object.assign(index.packages, original.packages));
  }, PACK_TIMEOUT_MS);

  test('an altered index is refused with REGISTRY_BAD_SIGNATURE, a replayed older one with REGISTRY_ROLLBACK, an expired one with REGISTRY_EXPIRED; nothing changes', async () => {
    const before = await hostState();
    const good = await readFile(join(registryDir, 'index.json'));
    await writeFile(join(registryDir, 'index.json'), good.toString('utf8').replace('1.1.0', '1.9.0'));
    expect(await refused('updates')).toBe('REGISTRY_BAD_SIGNATURE');
    expect(await hostState()).toEqual(before);

    // An index from before the last publish, signed by the registry all the same.
    await resign(() => undefined);
    await hearthd.json('updates');
    await writeFile(join(registryDir, 'index.json'), good);
    const floor = await hostState();
    expect(await refused('install', 'hello-world')).toBe('REGISTRY_ROLLBACK');
    expect(await hostState()).toEqual(floor);

    await resign((index) => {
      index.version += 5;
      index.expires = new Date(Date.now() - 60_000).toISOString();
    });
    expect(await refused('update', 'hello-world')).toBe('REGISTRY_EXPIRED');
    expect(await hostState()).toEqual(floor);
    await resign((index) => {
      index.expires = new Date(Date.now() + 86_400_000).toISOString();
    });
  }, PACK_TIMEOUT_MS);

  test('an unreachable registry is a clear REGISTRY_UNREACHABLE and the running service is untouched', async () => {
    const before = await hostState();
    expect(await refused('registry', 'add', 'gone', 'http://127.0.0.1:1/', '--key', join(work, 'registry.pub'))).toBe('REGISTRY_UNREACHABLE');
    await server[Symbol.asyncDispose]();
    expect(await refused('updates')).toBe('REGISTRY_UNREACHABLE');
    expect(await hostState()).toEqual(before);
    const status = await hearthd.json<ServiceStatus>('status', 'hello-world');
    expect(status).toMatchObject({ state: 'running', ready: true });
  });
});
