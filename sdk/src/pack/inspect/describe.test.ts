import { expect, test } from 'vitest';
import { Daemons } from '../../daemons.js';
import { defineManifest, validateManifest } from '../../manifest.js';
import { describePackage } from './describe.js';
import { formatDescription } from './format.js';

const input = defineManifest({
  id: 'wiki',
  title: 'Wiki',
  version: '1.0.0',
  images: { app: { source: { type: 'directory', path: 'image' } } },
  secrets: { 'db-password': { generate: { length: 32 } }, smtp: { description: 'mail' } },
  settings: { title: { type: 'string', default: 'Wiki' }, token: { type: 'string', required: true } },
});

test('inspect shows each daemon’s secrets and rendered files, and the declared secrets (never values) and settings', () => {
  const specs = Daemons.of(input)
    .add('web', { image: 'app', command: ['app'], secrets: ['db-password'], files: { '/etc/app.conf': { content: 'x', mode: 0o640, owner: 'app' }, '/etc/site': 'y' } })
    .toSpec();
  const config = { entrypoint: null, cmd: null, env: [], workdir: '/', user: 'root' };
  const described = describePackage(validateManifest(input), specs, new Map([['app', config]]));
  expect(described.daemons[0]).toMatchObject({ secrets: ['db-password'], files: [{ path: '/etc/app.conf', mode: 0o640, owner: 'app' }, { path: '/etc/site', mode: 0o644, owner: null }] });
  expect(described.secrets).toEqual([{ name: 'db-password', description: '', generated: true }, { name: 'smtp', description: 'mail', generated: false }]);
  const text = formatDescription(described, (b) => `${b} B`);
  expect(text).toContain('    secrets  /run/secrets/db-password');
  expect(text).toContain("    file     /etc/app.conf (0640, app)\n    file     /etc/site (0644, the daemon's user)");
  expect(text).toContain('secrets     db-password (generated), smtp (set by the user)');
  expect(text).toContain('settings    title: string = "Wiki", token: string (required)');
});
