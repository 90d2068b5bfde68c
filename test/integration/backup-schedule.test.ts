import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceStatus, ServiceSummary, SnapshotSummary } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { packExample, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const ID = 'hello-world';
const POLL = { timeout: 120_000, interval: 500 };

/** Scheduled backups run by hearthd, with the real restic and a real (cold) service. */
describe.skipIf(skipUnless({ root: isRoot }))('scheduled backups', () => {
  let work: string;
  let hearthd: TestHearthd;
  let step = '';

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-backup-schedule-'));
    const key = await publisherKey(join(work, 'key.pem'));
    const hpk = await packExample(ID, key, join(work, 'hello-world.hpk'));
    hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000));
    await hearthd.trust(key);
    await hearthd.json('install', hpk);
    expect((await hearthd.json<ServiceStatus>('start', ID)).ready).toBe(true);
  }, 600_000);

  afterEach((context) => {
    hearthd.reportFailure(context, step);
  });

  afterAll(async () => {
    await hearthd?.cli('backup', 'schedule', ID, 'off');
    await hearthd?.cli('uninstall', ID, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a seconds-level schedule backs up again and again and keeps the newest N; a failing run shows in ls and status', async () => {
    const repo = join(work, 'repo');
    expect((await hearthd.cli('backup', 'target', 'add', 'sched', repo)).exitCode).toBe(0);
    step = 'scheduling every 3 s, keeping 1';
    const set = await hearthd.json<{ schedules: { service: string; everySeconds: number; keep: number }[] }>('backup', 'schedule', ID, '3s', '--to', 'sched', '--keep', '1');
    expect(set.schedules).toEqual([expect.objectContaining({ service: ID, everySeconds: 3, keep: 1, target: 'sched' })]);
    const seen = new Set<string>();
    await expect
      .poll(async () => {
        const last = (await hearthd.json<ServiceStatus>('status', ID)).lastBackup;
        if (last?.ok === true && last.snapshot !== undefined) seen.add(last.snapshot);
        return seen.size;
      }, POLL)
      .toBeGreaterThanOrEqual(2);
    step = 'turning it off and counting snapshots';
    await hearthd.json('backup', 'schedule', ID, 'off');
    // A run under way when it was turned off finishes, its retention last (the service is ready again
    // before restic forgets the older snapshot): the count settles at the one kept.
    await expect.poll(async () => (await hearthd.json<ServiceStatus>('status', ID)).ready, POLL).toBe(true);
    await expect.poll(async () => (await hearthd.json<{ snapshots: SnapshotSummary[] }>('backup', 'ls', ID, '--target', 'sched')).snapshots.length, POLL).toBe(1);
    step = 'a run into a target whose repository is gone';
    await rm(repo, { recursive: true, force: true });
    await hearthd.json('backup', 'schedule', ID, '1s', '--to', 'sched', '--keep', '1');
    await expect.poll(async () => (await hearthd.json<ServiceStatus>('status', ID)).lastBackup?.ok, POLL).toBe(false);
    await hearthd.json('backup', 'schedule', ID, 'off');
    const listed = await hearthd.json<ServiceSummary[]>('ls');
    expect(listed.find((s) => s.id === ID)?.lastBackup).toMatchObject({ ok: false, target: 'sched' });
    const table = await hearthd.cli('ls');
    expect(table.stdout).toContain('FAILED');
    expect((await hearthd.cli('status', ID)).stdout).toMatch(/last scheduled backup: FAILED .*sched: /);
    expect(hearthd.log).toContain('a scheduled backup failed');
  });

  test('a cron expression is a schedule shown as such; one that cannot match is refused with why', async () => {
    const set = await hearthd.json<{ schedules: { service: string; cron?: string }[] }>('backup', 'schedule', ID, '30 3 * * mon-fri', '--to', 'sched', '--keep', '7');
    expect(set.schedules).toEqual([expect.objectContaining({ service: ID, cron: '30 3 * * mon-fri', keep: 7 })]);
    expect((await hearthd.cli('backup', 'schedule', 'ls')).stdout).toContain('cron 30 3 * * mon-fri');
    const refused = await hearthd.cli('backup', 'schedule', ID, '0 0 30 2 *', '--to', 'sched', '--keep', '7');
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain('never matches');
    await hearthd.json('backup', 'schedule', ID, 'off');
  });
});
