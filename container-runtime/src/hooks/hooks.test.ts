import { afterEach, describe, expect, test } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { spec } from '../daemons/fake-deps.js';
import { fakeService, type FakeService } from '../package/fake-service.js';
import { HookEvents } from './events.js';

const HOOK_BOUND_MS = 200;

describe('hooks on fakes', () => {
  let fake: FakeService | null = null;
  afterEach(async () => {
    await fake?.cleanup();
    fake = null;
  });
  const restarting = { mode: 'always' as const, initialDelayMs: 5, maxDelayMs: 5, resetAfterMs: 60_000, maxCrashes: 2, windowMs: 60_000 };
  const calls: [string, unknown][] = [];

  async function service(hooks: Parameters<typeof fakeService>[0]['hooks']): Promise<FakeService> {
    calls.length = 0;
    fake = await fakeService({ main: () => ({ specs: [spec('db', { restart: restarting }), spec('web', { requires: ['db'] })] }), hooks }, HOOK_BOUND_MS);
    return fake;
  }

  test('daemonReady fires once per daemon becoming ready, and again after a crash and restart; daemonCrashed says exit code, restart and last lines', async () => {
    const { service: svc, system, reports } = await service({
      daemonReady: (_ctx, event) => void calls.push(['ready', event]),
      daemonCrashed: (_ctx, event) => void calls.push(['crashed', event]),
    });
    await svc.start({});
    await expect.poll(() => calls.filter(([h]) => h === 'ready').length).toBe(2);
    system.exit('db', { code: 3 });
    await expect.poll(() => calls.filter(([h]) => h === 'ready').length).toBe(3);
    expect(calls).toEqual([
      ['ready', { daemon: 'db' }],
      ['ready', { daemon: 'web' }],
      ['crashed', { daemon: 'db', exitCode: 3, signal: null, lastLines: [], restarting: true }],
      ['ready', { daemon: 'db' }],
    ]);
    expect(reports.map((r) => [r.hook, r.ok])).toEqual(calls.map(([h]) => [h === 'ready' ? 'daemonReady' : 'daemonCrashed', true]));
  });

  test('a daemon that fails for good fires daemonCrashed (not restarting) and serviceFailed once each', async () => {
    const { service: svc, system } = await service({
      daemonCrashed: (_ctx, event) => void calls.push(['crashed', (event as { restarting: boolean }).restarting]),
      serviceFailed: (ctx, event) => {
        calls.push(['failed', event]);
        (ctx as { setMessage(text: string): void }).setMessage(`${(event as { daemon: string }).daemon} failed`);
      },
    });
    await svc.start({});
    await expect.poll(() => svc.manager.statuses().map((s) => s.state)).toEqual(['ready', 'ready']);
    system.exit('web', { code: 1 });
    await expect.poll(() => calls.length).toBe(2);
    await sleep(50);
    expect(calls).toEqual([['crashed', false], ['failed', { daemon: 'web', reason: expect.stringContaining('exited with code 1') as string }]]);
    expect(fake?.messages).toEqual(['web failed']);
  });

  test('a hook that throws or hangs is reported within its bound, and the daemons keep running', async () => {
    const { service: svc, reports } = await service({
      daemonReady: (_ctx, event) => {
        if ((event as { daemon: string }).daemon === 'db') throw new Error('boom');
        return new Promise(() => undefined); // never settles
      },
    });
    await svc.start({});
    await expect.poll(() => reports.length, { timeout: 2_000 }).toBe(2);
    expect(reports.map((r) => [r.hook, r.ok, r.error])).toEqual([
      ['daemonReady', false, 'boom'],
      ['daemonReady', false, `it ran past ${HOOK_BOUND_MS} ms and is no longer waited for`],
    ]);
    expect(reports[1]?.durationMs).toBeGreaterThanOrEqual(HOOK_BOUND_MS - 5);
    expect(svc.manager.statuses().map((s) => s.state)).toEqual(['ready', 'ready']);
  });

  test('beforeStop runs while the daemons still run, and a hung one holds the stop only for its bound', async () => {
    const { service: svc, reports } = await service({
      beforeStop: () => {
        calls.push(['beforeStop', svc.manager.statuses().map((s) => s.state)]);
        return new Promise(() => undefined);
      },
    });
    await svc.start({});
    await expect.poll(() => svc.manager.statuses().map((s) => s.state)).toEqual(['ready', 'ready']);
    const started = Date.now();
    await svc.stop();
    expect(Date.now() - started).toBeLessThan(HOOK_BOUND_MS + 1_000);
    expect(calls).toEqual([['beforeStop', ['ready', 'ready']]]);
    expect(reports.map((r) => [r.hook, r.ok])).toEqual([['beforeStop', false]]);
    expect(svc.manager.statuses().map((s) => s.state)).toEqual(['stopped', 'stopped']);
  });

  test('afterUpdate fires once after the first start that says updatedFrom, with both versions and the settings', async () => {
    const { service: svc } = await service({ afterUpdate: (ctx, event) => void calls.push(['afterUpdate', { ...(event as object), settings: (ctx as { settings: unknown }).settings }]) });
    await svc.start({ updatedFrom: '1.0.0' });
    await svc.start({ updatedFrom: '1.0.0' });
    await expect.poll(() => calls.length).toBe(1);
    await sleep(20);
    expect(calls).toEqual([['afterUpdate', { from: '1.0.0', to: '2.0.0', settings: {} }]]);
  });
});

describe('afterUpdate on fakes', () => {
  test('waits until every daemon has started: a task it requires has finished and the daemon is ready', async () => {
    const calls: unknown[] = [];
    const fake = await fakeService({ main: () => ({ specs: [spec('migrate', { kind: 'task' }), spec('web', { requires: ['migrate'] })] }), hooks: { afterUpdate: (_ctx, event) => void calls.push(event) } });
    try {
      await fake.service.start({ updatedFrom: '1.0.0' });
      await sleep(50);
      expect(calls).toEqual([]);
      fake.system.exit('migrate', { code: 0 });
      await expect.poll(() => calls).toEqual([{ from: '1.0.0', to: '2.0.0' }]);
    } finally {
      await fake.cleanup();
    }
  });
});

describe('hook events from daemon states', () => {
  test('a state said again (same state, same time) is not a new event', () => {
    const events = new HookEvents();
    const ready = { id: 'web', state: 'ready' as const, since: 1 };
    expect(events.next(ready, [])).toEqual([{ hook: 'daemonReady', event: { daemon: 'web' } }]);
    expect(events.next(ready, [])).toEqual([]);
    expect(events.next({ ...ready, state: 'not-ready', since: 2 }, [])).toEqual([]);
    expect(events.next({ ...ready, since: 3 }, [])).toHaveLength(1);
  });

  test('a start that could not be made is a failure, not a crash', () => {
    const events = new HookEvents();
    expect(events.next({ id: 'web', state: 'failed', since: 1, message: 'could not start: no image' }, []).map((c) => c.hook)).toEqual(['serviceFailed']);
  });
});
