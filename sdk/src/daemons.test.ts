import { describe, expect, test } from 'vitest';
import { Daemons } from './daemons.js';
import { defineManifest } from './manifest.js';

const manifest = defineManifest({ id: 'demo', title: 'Demo', version: '1.0.0', images: { main: { source: { type: 'directory', path: 'image' } } }, volumes: ['data'] });

describe('a volume mount’s owner', () => {
  test('is kept in the spec as declared, and null when not declared', () => {
    const specs = Daemons.of(manifest)
      .add('db', { image: 'main', mounts: [{ volume: 'data', path: '/var/lib/db', owner: 'postgres:postgres' }] })
      .add('web', { image: 'main', mounts: [{ volume: 'data', path: '/data', readonly: true }] })
      .toSpec();
    expect(specs.map((s) => s.mounts[0]?.owner)).toEqual(['postgres:postgres', null]);
  });

  test.each(['999', '999:999', 'www-data', 'postgres:ssl-cert', 'svc$'])('accepts %s', (owner) => {
    expect(() => Daemons.of(manifest).add('db', { image: 'main', mounts: [{ volume: 'data', path: '/d', owner }] })).not.toThrow();
  });

  test.each(['', 'a b', '../x', '1:2:3', '4294967296', 'x:'])('refuses %j when the daemon is added, naming daemon, volume and value', (owner) => {
    expect(() => Daemons.of(manifest).add('db', { image: 'main', mounts: [{ volume: 'data', path: '/d', owner }] })).toThrow(
      expect.objectContaining({ code: 'MANIFEST_INVALID', message: `daemon db: the owner of volume data is ${JSON.stringify(owner)}: expected uid[:gid] or a user[:group] of its image` }) as Error,
    );
  });

  test('two different owners declared for one volume are refused when the spec is built', () => {
    const daemons = Daemons.of(manifest)
      .add('a', { image: 'main', mounts: [{ volume: 'data', path: '/d', owner: '1000' }] })
      .add('b', { image: 'main', mounts: [{ volume: 'data', path: '/d', owner: '2000' }] });
    expect(() => daemons.toSpec()).toThrow('volume data is given two owners: 1000 by daemon a and 2000 by daemon b');
  });
});
