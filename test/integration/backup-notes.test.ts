import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BackupSummary, RestoreSummary, ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { packExample, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const ID = 'notes';
const READY = { timeout: 240_000, interval: 500 };

/** notes is backed up hot: pg_dump in beforeBackup while a writer inserts, loaded by afterRestore. */
describe.skipIf(skipUnless({ root: isRoot }))('notes: a hot backup with a PostgreSQL dump, restored after a purge', () => {
  let work: string;
  let archive: string;
  let hearthd: TestHearthd;

  const url = async (): Promise<string> => (await hearthd.json<ServiceStatus>('status', ID)).interfaces[0]!.url;
  const notes = async (): Promise<{ id: number; body: string }[]> => (await (await fetch(`${await url()}notes`)).json()) as { id: number; body: string }[];
  const add = async (base: string, body: string): Promise<number> =>
    (await fetch(`${base}notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body }) })).status;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-backup-notes-'));
    const key = await publisherKey(join(work, 'key.pem'));
    archive = await packExample(ID, key, join(work, 'notes.hpk'), 'build.sh');
    hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000));
    await hearthd.trust(key);
    await hearthd.json('backup', 'target', 'add', 'local', join(work, 'repo'));
  }, 900_000);

  afterAll(async () => {
    await hearthd?.cli('uninstall', ID, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a hot backup taken while a writer inserts restores to a consistent database with every note the dump saw', async () => {
    await hearthd.json('install', archive);
    await hearthd.json('start', ID, '--no-wait');
    await expect.poll(async () => (await hearthd.json<ServiceStatus>('status', ID)).ready, READY).toBe(true);
    const base = await url();
    expect(await add(base, 'before the backup')).toBe(201);
    // A writer inserts without pause during the whole backup.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) if ((await add(base, `written ${written}`)) === 201) written += 1;
    })();
    const pidBefore = (await hearthd.json<ServiceStatus>('status', ID)).container!.initPid;
    const made = await hearthd.json<BackupSummary>('backup', ID, '--to', 'local');
    writing = false;
    await writer;
    expect(made.mode).toBe('hot');
    expect(written).toBeGreaterThan(0);
    // Hot: the service was never stopped.
    expect((await hearthd.json<ServiceStatus>('status', ID)).container!.initPid).toBe(pidBefore);
    const atEnd = (await notes()).length;

    expect((await hearthd.cli('uninstall', ID, '--purge', '--yes')).exitCode).toBe(0);
    const restored = await hearthd.json<RestoreSummary>('restore', ID);
    expect(restored.installed).toBe(true);
    expect(restored.afterRestore).toMatchObject({ ok: true });
    expect(restored.status.ready).toBe(true);
    const back = await notes();
    // PostgreSQL answers (a consistent database), with the note from before and a prefix of the writer's.
    expect(back[0]?.body).toBe('before the backup');
    expect(back.length).toBeGreaterThan(1);
    expect(back.length).toBeLessThanOrEqual(atEnd);
    const bodies = back.slice(1).map((n) => n.body);
    expect(bodies).toEqual(bodies.map((_, i) => `written ${i}`));
    // And PostgreSQL itself, asked directly: the table reads whole (a torn page would fail the scan), its count the app's.
    const counted = await hearthd.cli('exec', ID, '--daemon', 'db', '--user', 'postgres', '--', '/usr/lib/postgresql/15/bin/psql', '-h', '/run/postgresql', '-At', '-c', 'SELECT count(*) FROM notes');
    expect(counted.exitCode, counted.stderr).toBe(0);
    expect(Number(counted.stdout.trim())).toBe(back.length);
  });
});
