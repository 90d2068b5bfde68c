import { describe, expect, test } from 'vitest';
import type { RegistryIndex, RegistryVersion } from '@hearth/sdk/registry';
import { planInstall, resolveVersion, searchIndexes, type LoadedIndex } from './resolve.js';

const KEY = Buffer.alloc(32, 1).toString('base64');

function version(minHearth: string | null = null): RegistryVersion {
  return { file: 'x.hpk', size: 1, sha256: '0'.repeat(64), minHearth, dependencies: {}, published: '2026-01-01T00:00:00Z' };
}

function loaded(registry: string, versions: Record<string, RegistryVersion>): LoadedIndex {
  const index: RegistryIndex = {
    format: 'hearth-registry-v1',
    version: 1,
    issued: '2026-01-01T00:00:00Z',
    expires: '2027-01-01T00:00:00Z',
    packages: { 'hello-world': { title: 'Hello World', description: 'a busybox web page', icon: 'icons/hello-world.png', publisher: KEY, versions } },
  };
  return { registry, base: `https://${registry}.example/`, index };
}

describe('choosing a version from registries', () => {
  const a = loaded('a', { '1.0.0': version(), '1.2.0': version(), '2.0.0-beta.1': version() });
  const b = loaded('b', { '1.3.0': version('9.0.0'), '1.1.5': version() });

  test('the newest version in the range across registries, skipping versions that need a newer hearth and pre-releases', () => {
    expect(resolveVersion([a, b], 'hello-world', '*', '0.1.0')).toMatchObject({ registry: 'a', version: '1.2.0' });
    expect(resolveVersion([a, b], 'hello-world', '~1.1', '0.1.0')).toMatchObject({ registry: 'b', version: '1.1.5' });
    expect(resolveVersion([a, b], 'hello-world', '^1.0.0', '9.0.0')).toMatchObject({ registry: 'b', version: '1.3.0' });
  });

  test('no match says whether the package is unknown, or which hearth its versions need', () => {
    expect(() => resolveVersion([a], 'nope', '*', '0.1.0')).toThrow(expect.objectContaining({ code: 'REGISTRY_PACKAGE_NOT_FOUND', message: expect.stringContaining('not offered') as string }) as Error);
    expect(() => resolveVersion([b], 'hello-world', '1.3.x', '0.1.0')).toThrow(expect.objectContaining({ code: 'REGISTRY_PACKAGE_NOT_FOUND', hint: expect.stringContaining('hearth 9.0.0') as string }) as Error);
  });

  test('search matches every word in id, title or description, lists versions newest first and resolves the icon URL', () => {
    const [hit] = searchIndexes([a], ['BUSYBOX', 'hello'], () => '1.0.0');
    expect(hit).toMatchObject({ id: 'hello-world', latest: '1.2.0', installed: '1.0.0', icon: 'https://a.example/icons/hello-world.png' });
    expect(hit?.versions.map((v) => v.version)).toEqual(['2.0.0-beta.1', '1.2.0', '1.0.0']);
    expect(searchIndexes([a], ['postgres'], () => null)).toEqual([]);
  });
});

describe('planning an install with its dependencies', () => {
  const app = (deps: Record<string, string>): RegistryVersion => ({ ...version(), dependencies: deps });
  const index: LoadedIndex = {
    registry: 'a',
    base: 'https://a.example/',
    index: {
      format: 'hearth-registry-v1',
      version: 1,
      issued: '2026-01-01T00:00:00Z',
      expires: '2027-01-01T00:00:00Z',
      packages: {
        'status-page': { title: 'Status', description: '', icon: null, publisher: KEY, versions: { '1.0.0': app({ 'hello-world': '^1.0.0' }) } },
        'hello-world': { title: 'Hello', description: '', icon: null, publisher: KEY, versions: { '1.0.0': version(), '1.4.0': version(), '2.0.0': version() } },
        loop: { title: 'Loop', description: '', icon: null, publisher: KEY, versions: { '1.0.0': app({ loop: '*' }) } },
      },
    },
  };

  test('a missing dependency comes first, in the newest version its range allows', () => {
    expect(planInstall([index], 'status-page', '*', '0.1.0', new Map()).map((c) => `${c.id}@${c.version}`)).toEqual(['hello-world@1.4.0', 'status-page@1.0.0']);
  });

  test('an installed dependency in range is left alone; one out of range is planned', () => {
    expect(planInstall([index], 'status-page', '*', '0.1.0', new Map([['hello-world', '1.0.0']])).map((c) => c.id)).toEqual(['status-page']);
    expect(planInstall([index], 'status-page', '*', '0.1.0', new Map([['hello-world', '0.9.0']])).map((c) => `${c.id}@${c.version}`)).toEqual(['hello-world@1.4.0', 'status-page@1.0.0']);
  });

  test('a dependency cycle is refused with DEPENDENCY_MISSING naming it', () => {
    expect(() => planInstall([index], 'loop', '*', '0.1.0', new Map())).toThrow(expect.objectContaining({ code: 'DEPENDENCY_MISSING', message: expect.stringContaining('loop → loop') as string }) as Error);
  });
});
