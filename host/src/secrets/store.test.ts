import { mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { SecretStore } from './store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-secrets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('secrets are written to a 0600 file that reads back, with no temp file left; remove deletes it', async () => {
  const store = new SecretStore(dir);
  expect(await store.read('svc')).toEqual({});
  await store.write('svc', { pw: { value: 'value-12345678', setAt: 'now' } });
  expect((await stat(join(dir, 'svc.json'))).mode & 0o777).toBe(0o600);
  expect(await readdir(dir)).toEqual(['svc.json']);
  expect((await store.read('svc'))['pw']?.value).toBe('value-12345678');
  await store.remove('svc');
  expect(await readdir(dir)).toEqual([]);
  await store.remove('svc'); // twice is fine
});

test('a secrets file that is a symlink is refused, not followed', async () => {
  await writeFile(join(dir, 'target.json'), JSON.stringify({ format: 'hearth-secrets-v1', secrets: {} }));
  await symlink(join(dir, 'target.json'), join(dir, 'svc.json'));
  await expect(new SecretStore(dir).read('svc')).rejects.toMatchObject({ code: 'ELOOP' });
});

test('a file that is not a secrets file is refused; a secret named __proto__ is a name like any other', async () => {
  await writeFile(join(dir, 'svc.json'), '{"format":"other"}');
  await expect(new SecretStore(dir).read('svc')).rejects.toMatchObject({ code: 'INTERNAL' });
  await writeFile(join(dir, 'p.json'), '{"format":"hearth-secrets-v1","secrets":{"__proto__":{"value":"value-12345678","setAt":"now"}}}');
  const read = await new SecretStore(dir).read('p');
  expect(Object.keys(read)).toEqual(['__proto__']);
  expect(await readFile(join(dir, 'p.json'), 'utf8')).toContain('value-12345678');
});
