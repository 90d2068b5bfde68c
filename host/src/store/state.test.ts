import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { StateStore, type ServiceRecord } from './state.js';

const record = (version: string): ServiceRecord => ({ version, title: 'T', signer: 'ab', installedAt: '2024-01-01T00:00:00.000Z', ports: { constructor: 18_000 }, desired: 'stopped' });

describe('the state store with ids that are Object.prototype keys', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-state-'));
    path = join(dir, 'state.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('%s is not installed until recorded, then is a service like any other, also after a reload', async (id) => {
    const store = await StateStore.open(path);
    expect(store.service(id)).toBeUndefined();
    await store.update((draft) => {
      draft.services[id] = record('1.0.0');
    });
    expect(store.service(id)?.version).toBe('1.0.0');
    expect(Object.keys(store.state.services)).toEqual([id]);
    const reloaded = await StateStore.open(path);
    expect(reloaded.service(id)?.ports['constructor']).toBe(18_000);
    expect(Object.keys(reloaded.service(id)?.ports ?? {})).toEqual(['constructor']);
    expect(Object.keys(reloaded.state.services)).toEqual([id]);
    expect(Object.keys((JSON.parse(await readFile(path, 'utf8')) as { services: object }).services)).toEqual([id]);
    await reloaded.update((draft) => {
      delete draft.services[id];
    });
    expect(reloaded.service(id)).toBeUndefined();
    expect(reloaded.state.services).toEqual({});
  });

  test('a state file whose services hold "__proto__" does not change any prototype when loaded and updated', async () => {
    await writeFile(path, JSON.stringify({ format: 'hearth-state-v1', services: JSON.parse(`{"__proto__": ${JSON.stringify(record('2.0.0'))}}`) as object, trusted: {} }));
    const store = await StateStore.open(path);
    expect(store.service('__proto__')?.version).toBe('2.0.0');
    expect(store.service('version')).toBeUndefined();
    await store.update((draft) => {
      draft.services['other'] = record('1.0.0');
    });
    expect(Object.keys(store.state.services).sort()).toEqual(['__proto__', 'other']);
    expect(({} as Record<string, unknown>)['version']).toBeUndefined();
  });
});
