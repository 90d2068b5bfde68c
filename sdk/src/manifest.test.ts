import { describe, expect, test } from 'vitest';
import { validateManifest } from './manifest.js';

const minimal = { id: 'demo', title: 'Demo', version: '1.0.0', images: { main: { source: { type: 'directory', path: 'image' } } } };

describe('validateManifest', () => {
  test('fills defaults, and its output validates again unchanged (pack time, then install time)', () => {
    const once = validateManifest(minimal);
    expect(once).toMatchObject({ description: '', license: '', volumes: [], interfaces: {}, resources: { memoryMiB: 1024, cpus: null, pids: 1024, scratchMiB: 2048 }, sdkVersion: '0.1.0' });
    expect(validateManifest(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  test('ids that are Object.prototype keys are ordinary ids: constructor as package, image, volume, interface and dependency', () => {
    const m = validateManifest({
      ...minimal,
      id: 'constructor',
      images: { constructor: { source: { type: 'directory', path: 'image' } } },
      volumes: ['constructor'],
      interfaces: { constructor: { name: 'C', port: 80 } },
      dependencies: { tostring: { version: '*' } },
    });
    expect(Object.keys(m.images)).toEqual(['constructor']);
    expect(m.interfaces['constructor']).toEqual({ name: 'C', port: 80, protocol: 'http' });
    // Nothing inherited answers for an id that is not declared.
    expect(Object.hasOwn(m.interfaces, 'toString') || m.interfaces['tostring'] !== undefined).toBe(false);
    expect(Object.getPrototypeOf(m.interfaces)).toBeNull();
    expect(m.dependencies['constructor']).toBeUndefined();
    expect('hasOwnProperty' in m.dependencies).toBe(false);
  });

  test('accepts semver ranges as npm writes them', () => {
    // Hyphen ranges and an operator followed by a space are npm's too (the hand-written check refused them).
    for (const range of ['*', '^1.2.0', '~1.2', '>=1.0.0 <2.0.0', '1.x', '^1.0.0 || ^2.0.0', '16', '1.2.3 - 2.0.0', '>= 1.2.0 < 2', '^1.2.0-rc.1', 'x || 1.2.*']) {
      expect(validateManifest({ ...minimal, dependencies: { postgres: { version: range } } }).dependencies).toEqual({ postgres: { version: range, interfaces: [] } });
    }
  });

  test('a dependency names the interfaces it connects to; outbound access is asked for, off unless asked', () => {
    const m = validateManifest({ ...minimal, dependencies: { postgres: { version: '^16', interfaces: ['db', 'db'] } }, network: { outbound: true } });
    expect(m.dependencies).toEqual({ postgres: { version: '^16', interfaces: ['db'] } });
    expect(m.network).toEqual({ outbound: true });
    expect(validateManifest(minimal).network).toEqual({ outbound: false });
  });

  test.each([
    [{ ...minimal, dependencies: { postgres: { version: '*', interfaces: 'db' } } }, 'manifest.dependencies.postgres.interfaces is "db": expected an array of interface ids'],
    [{ ...minimal, network: { outbound: 'yes' } }, 'manifest.network.outbound is "yes": expected true or false'],
    [{ ...minimal, network: { inbound: true } }, 'manifest.network.inbound is true: unknown field'],
    [{ ...minimal, id: 'Demo' }, 'manifest.id is "Demo": expected lowercase letters, digits and dashes'],
    [{ ...minimal, version: '1.0' }, 'manifest.version is "1.0": expected a semantic version like 1.2.3'],
    [{ ...minimal, images: {} }, 'manifest.images is {}: expected at least one image'],
    [{ ...minimal, volumes: ['data', 'data'] }, 'manifest.volumes is ["data","data"]: expected unique ids'],
    [{ ...minimal, interfaces: { web: { name: 'Web', port: 70000 } } }, 'manifest.interfaces.web.port is 70000: expected an integer port 1-65535'],
    [{ ...minimal, interfaces: { web: { name: 'Web', port: 80, protocol: 'udp' } } }, `manifest.interfaces.web.protocol is "udp": expected 'http' or 'tcp'`],
    [{ ...minimal, resources: { memoryMiB: 8 } }, 'manifest.resources.memoryMiB is 8: expected an integer from 16 to 1048576'],
    [{ ...minimal, dependencies: { postgres: { version: 'latest' } } }, 'manifest.dependencies.postgres.version is "latest": expected a semver range'],
    [{ ...minimal, dependencies: { postgres: { version: '^1.2.0 ~' } } }, 'manifest.dependencies.postgres.version is "^1.2.0 ~": expected a semver range'],
    [{ ...minimal, dependencies: { postgres: { version: `^${'1'.repeat(300)}` } } }, 'manifest.dependencies.postgres.version is'],
    [{ ...minimal, dependencies: { demo: { version: '*' } } }, 'manifest.dependencies.demo is "demo": a package cannot depend on itself'],
    [{ ...minimal, upstreamUrl: 'ftp://x' }, 'manifest.upstreamUrl is "ftp://x": expected an http(s) URL'],
    [{ ...minimal, images: { main: { source: { type: 'debootstrap', suite: 'bookworm', packages: ['ok', 'not ok'] } } } }, 'manifest.images.main.source.packages'],
    [{ ...minimal, resources: { disk: 5 } }, 'manifest.resources.disk is 5: unknown; expected memoryMiB, cpus, pids or scratchMiB'],
    [{ ...minimal, settings: { size: { type: 'number', min: 5, max: 1 } } }, 'manifest.settings.size.min is 5: expected at most max (1)'],
    [{ ...minimal, settings: { size: { type: 'number', default: 0, min: 1 } } }, "manifest.settings.size.default is 0: expected a default within the field's limits: it must be at least 1"],
    [{ ...minimal, settings: { name: { type: 'string', min: 1 } } }, "manifest.settings.name.min is 1: unknown for a 'string' field"],
    [{ ...minimal, settings: { name: { type: 'string', maxLength: 0 } } }, 'manifest.settings.name.maxLength is 0: expected a whole number above 0'],
  ])('names the field, the value and what is allowed: %#', (input, message) => {
    expect(() => validateManifest(input)).toThrow(message);
  });
});

test('a validated manifest with secrets and settings validates again to the same (an archive manifest is checked at install)', () => {
  const once = validateManifest({
    id: 'app',
    title: 'App',
    version: '1.0.0',
    images: { main: { source: { type: 'directory', path: 'img' } } },
    secrets: { 'db-password': { generate: { length: 16 } }, 'api-key': { description: 'from the provider' } },
    settings: { title: { type: 'string', default: 'x', maxLength: 40 }, size: { type: 'number', required: true, min: 1, max: 9, integer: true } },
  });
  expect(once.secrets['api-key']?.generate).toBeNull();
  expect(validateManifest(JSON.parse(JSON.stringify(once)))).toEqual(once);
});
