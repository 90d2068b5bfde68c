import { afterEach, describe, expect, test } from 'vitest';
import { spec } from './fake-deps.js';
import { planReconfigure } from './reconcile.js';
import { fakeService, type FakeService } from '../package/fake-service.js';

describe('which daemons a reconfiguration restarts', () => {
  let fake: FakeService | null = null;
  afterEach(async () => {
    await fake?.cleanup();
    fake = null;
  });

  /** db names the password; web renders its title into a file; worker uses neither. */
  const notes = (settings: Record<string, string | number | boolean>) => ({
    specs: [
      spec('db', { secrets: ['password'] }),
      spec('web', { requires: ['db'], files: [{ path: '/etc/web.conf', mode: 0o644, owner: null, ref: 'web:/etc/web.conf' }] }),
      ...Array.from({ length: Number(settings['workers']) }, (_, i) => spec(`worker${i}`, { requires: ['db'] })),
    ],
    renderers: { 'web:/etc/web.conf': ({ settings: s }: { settings: Record<string, unknown> }) => `title=${String(s['title'])}\n` },
  });
  const pkg = { settings: { title: { type: 'string' as const, default: 'Notes' }, workers: { type: 'number' as const, default: 1 } }, secrets: ['password'], main: notes };
  const config = (settings: Record<string, string | number | boolean>, password = 'correct-horse-battery') => ({ settings: { title: 'Notes', workers: 1, ...settings }, secrets: { password } });

  async function started(): Promise<FakeService> {
    fake = await fakeService(pkg);
    await fake.service.start({ config: config({}) });
    await expect.poll(() => fake?.service.manager.statuses().map((s) => s.state)).toEqual(['ready', 'ready', 'ready']);
    return fake;
  }

  test('a setting a file is rendered from restarts only the daemon with that file (its old root unmounted); the others keep their pids', async () => {
    const { service, pids, system } = await started();
    const before = pids();
    const result = await service.reconfigure(config({ title: 'My notes' }));
    expect(result).toMatchObject({ restarted: ['web'], added: [], removed: [] });
    await expect.poll(() => service.manager.statuses().map((s) => s.state)).toEqual(['ready', 'ready', 'ready']);
    const after = pids();
    expect(after['db']).toBe(before['db']);
    expect(after['worker0']).toBe(before['worker0']);
    expect(after['web']).not.toBe(before['web']);
    expect(system.unmounted).toEqual(['web']);
  });

  test('the same config restarts nothing', async () => {
    const { service, pids } = await started();
    const before = pids();
    expect(await service.reconfigure(config({}))).toMatchObject({ restarted: [], added: [], removed: [] });
    expect(pids()).toEqual(before);
  });

  test('a new secret value restarts only the daemon naming it, and its file is re-rendered with the new config', async () => {
    const { service, pids, system } = await started();
    const before = pids();
    expect((await service.reconfigure(config({}, 'another-long-password'))).restarted).toEqual(['db']);
    await expect.poll(() => service.manager.statuses().map((s) => s.state)).toEqual(['ready', 'ready', 'ready']);
    expect(pids()['web']).toBe(before['web']);
    expect(system.provisioned.filter((p) => p.daemon === 'db').map((p) => p.secrets)).toEqual([{ password: 'correct-horse-battery' }, { password: 'another-long-password' }]);
  });

  test('a setting main reads adds and removes daemons without touching the others', async () => {
    const { service, pids } = await started();
    const before = pids();
    expect(await service.reconfigure(config({ workers: 3 }))).toMatchObject({ restarted: [], added: ['worker1', 'worker2'] });
    await expect.poll(() => service.manager.statuses().filter((s) => s.state === 'ready').length).toBe(5);
    expect(pids()['worker0']).toBe(before['worker0']);
    expect(await service.reconfigure(config({ workers: 0 }))).toMatchObject({ restarted: [], added: [], removed: ['worker0', 'worker1', 'worker2'] });
    expect(service.manager.statuses().map((s) => s.id)).toEqual(['db', 'web']);
    expect(pids()).toEqual({ db: before['db'], web: before['web'] });
  });

  test('before start, a config replaces the daemons and starts nothing', async () => {
    fake = await fakeService(pkg);
    expect(await fake.service.reconfigure(config({ workers: 2 }))).toMatchObject({ restarted: [], added: ['worker1'] });
    expect(fake.service.manager.statuses().map((s) => s.state)).toEqual(['waiting', 'waiting', 'waiting', 'waiting']);
    expect(fake.system.provisioned).toEqual([]);
  });

  test('a file whose render throws fails only its daemon, naming the file', async () => {
    fake = await fakeService({ ...pkg, main: (s) => ({ ...notes(s), renderers: { 'web:/etc/web.conf': () => { throw new Error('no title'); } } }) });
    await fake.service.start({ config: config({}) });
    await expect.poll(() => fake?.service.manager.statuses().map((s) => [s.id, s.state])).toEqual([['db', 'ready'], ['web', 'failed'], ['worker0', 'ready']]);
    expect(fake.service.manager.statuses()[1]?.message).toMatch(/daemon web: file \/etc\/web.conf: rendering it failed: no title/);
  });
});

describe('the order of a reconfiguration', () => {
  test('stops dependents first in the old graph, starts requirements first in the new one', () => {
    const before = { order: [['db'], ['api'], ['web']], fingerprints: new Map([['db', 'a'], ['api', 'b'], ['web', 'c']]) };
    const after = { order: [['db'], ['api', 'cache'], ['web']], fingerprints: new Map([['db', 'A'], ['api', 'b'], ['cache', 'x'], ['web', null]]) };
    expect(planReconfigure(before, after)).toEqual({ restart: ['db', 'web'], add: ['cache'], remove: [], stopOrder: ['web', 'db'], startOrder: ['db', 'cache', 'web'] });
  });
});
