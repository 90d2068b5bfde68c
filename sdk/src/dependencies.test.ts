import { afterEach, describe, expect, test } from 'vitest';
import { DEPENDENCIES_KEY, dependencyAddress } from './dependencies.js';
import { defineManifest } from './manifest.js';

const manifest = defineManifest({
  id: 'app',
  title: 'App',
  version: '1.0.0',
  images: { main: { source: { type: 'directory', path: 'x' } } },
  dependencies: { db: { version: '^1.0.0', interfaces: ['sql'] } },
});
const globals = globalThis as Record<symbol, unknown>;

describe('dependencyAddress', () => {
  afterEach(() => {
    delete globals[DEPENDENCIES_KEY];
  });

  test('the address the runtime provides, as a url of the interface’s protocol', () => {
    globals[DEPENDENCIES_KEY] = { db: { host: 'db.hearth', interfaces: { sql: { port: 5432, protocol: 'tcp' } } } };
    expect(dependencyAddress(manifest, 'db', 'sql')).toEqual({ host: 'db.hearth', port: 5432, url: 'tcp://db.hearth:5432' });
  });

  test('while packing (nothing provided) the port is 0; at run time an unreachable dependency is an error that says what to do', () => {
    expect(dependencyAddress(manifest, 'db', 'sql')).toEqual({ host: 'db.hearth', port: 0, url: 'http://db.hearth:0/' });
    globals[DEPENDENCIES_KEY] = {};
    expect(() => dependencyAddress(manifest, 'db', 'sql')).toThrow(expect.objectContaining({ code: 'DEPENDENCY_MISSING' }));
  });

  test('an interface the manifest does not list is refused (and does not compile)', () => {
    // @ts-expect-error: 'admin' is not in dependencies.db.interfaces
    expect(() => dependencyAddress(manifest, 'db', 'admin')).toThrow(/does not declare interface admin of db/);
  });
});
