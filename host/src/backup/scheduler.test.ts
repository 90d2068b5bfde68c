import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HearthError, type HostEvent } from '@hearth/sdk/contract';
import { StateStore } from '../store/state.js';
import type { Backups } from './backups.js';
import { BackupScheduler } from './scheduler.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('backup scheduler', () => {
  let root: string;
  let state: StateStore;
  let scheduler: BackupScheduler;
  const created: string[] = [];
  const forgotten: unknown[] = [];
  const events: HostEvent[] = [];
  let failWith: string | null;
  let withClock: (now: () => number) => BackupScheduler;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'hearth-scheduler-'));
    state = await StateStore.open(join(root, 'state.json'));
    await state.update((draft) => {
      for (const id of ['a', 'b']) draft.services[id] = { version: '1.0.0', title: id, signer: 'x', installedAt: 'now', ports: {}, desired: 'running' };
    });
    created.length = 0;
    forgotten.length = 0;
    events.length = 0;
    failWith = null;
    const fake = {
      manager: { options: { state, logger: { error: () => undefined } }, events: { emit: (e: HostEvent) => events.push(e) }, installed: () => undefined },
      targets: { get: (name: string) => Promise.resolve({ name, repository: '/r', passwordFile: '/k', addedAt: '' }) },
      engine: { forget: (_t: unknown, tags: string[], keep: unknown) => Promise.resolve(void forgotten.push({ tags, keep })) },
      create: (id: string) => {
        if (failWith !== null) return Promise.reject(new HearthError('BACKUP_FAILED', failWith));
        created.push(id);
        return Promise.resolve({ id: `${id}-snap-${created.length}`, shortId: 'abcd' });
      },
    };
    scheduler = new BackupScheduler(fake as unknown as Backups);
    withClock = (now) => {
      scheduler.stop();
      scheduler = new BackupScheduler(fake as unknown as Backups, now);
      return scheduler;
    };
  });

  afterEach(async () => {
    scheduler.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('a seconds-level schedule runs again and again, each run pruning the service to the newest N', async () => {
    await scheduler.set('a', { everySeconds: 1, target: 't', keep: 2 });
    scheduler.start();
    await sleep(1600);
    expect(created).toEqual(['a', 'a']);
    expect(forgotten).toEqual([
      { tags: ['hearth', 'service=a'], keep: { last: 2 } },
      { tags: ['hearth', 'service=a'], keep: { last: 2 } },
    ]);
    expect(state.service('a')?.lastBackup).toMatchObject({ ok: true, target: 't', snapshot: 'a-snap-2' });
    expect(state.state.backup?.schedules?.['a']?.lastRun).toBeDefined();
  });

  it('runs missed while hearthd was down run once at start, not once per missed interval; --all covers every service', async () => {
    await scheduler.set('*', { everySeconds: 3600, target: 't', keep: 1 });
    await state.update((draft) => {
      draft.backup!.schedules!['*']!.lastRun = new Date(Date.now() - 10 * 24 * 3600_000).toISOString();
    });
    scheduler.start();
    await sleep(400);
    expect(created).toEqual(['a', 'b']);
  });

  it('a failure is recorded on the service and sent as an event', async () => {
    failWith = 'the target is gone';
    await scheduler.set('b', { everySeconds: 3600, target: 't', keep: 1 });
    scheduler.start();
    await sleep(300);
    expect(state.service('b')?.lastBackup).toMatchObject({ ok: false, error: 'the target is gone' });
    expect(events).toEqual([expect.objectContaining({ type: 'backup.scheduled', id: 'b', ok: false, error: 'the target is gone' })]);
  });

  it('a schedule turned off runs no more', async () => {
    await scheduler.set('a', { everySeconds: 1, target: 't', keep: 1 });
    scheduler.start();
    await sleep(200);
    await scheduler.set('a', null);
    await sleep(1200);
    expect(created).toEqual(['a']);
    expect(scheduler.list()).toEqual([]);
  });

  it('a cron schedule runs at the first minute its expression matches after it was set, not at once, and then at the next one', async () => {
    // A clock 1.5 s before a whole minute: '* * * * *' is due then, and next a minute later.
    const minute = 60_000;
    const offset = Math.ceil(Date.now() / minute + 1) * minute - 1500 - Date.now();
    const clocked = withClock(() => Date.now() + offset);
    await clocked.set('a', { cron: '* * * * *', target: 't', keep: 3 });
    clocked.start();
    await sleep(900);
    expect(created).toEqual([]);
    await sleep(1200);
    expect(created).toEqual(['a']);
    expect(Date.parse(state.state.backup?.schedules?.['a']?.lastRun ?? '') % minute).toBeLessThan(1000);
    await sleep(500);
    expect(created).toEqual(['a']);
  });
});
