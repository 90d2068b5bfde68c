import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { BackupSummary, RestoreSummary, ServiceStatus, SnapshotSummary } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { containerRunning } from '../support/leftovers.js';
import { packExample, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const ID = 'hello-world';
const POLL = { timeout: 60_000, interval: 200 };

/** Backups of hello-world (cold) with the real restic and real containers. */
describe.skipIf(skipUnless({ root: isRoot }))('backup and restore with restic', () => {
  let work: string;
  let hpk: string;
  let hearthd: TestHearthd;
  let repo: string;
  let step = '';

  const volumeFile = (name = 'note.txt'): string => join(hearthd.dataDir, 'volumes', ID, 'data', name);
  const note = (): string => readFileSync(volumeFile(), 'utf8');
  const writeNote = async (text: string): Promise<void> => {
    const file = join(work, 'note.txt');
    await writeFile(file, text);
    const r = await hearthd.cli('cp', '--volume', 'data', file, `${ID}:/note.txt`);
    expect(r.exitCode, r.stderr).toBe(0);
  };
  /** The CLI's --json error: its code. */
  const errorCode = (r: { stdout: string }): string => (JSON.parse(r.stdout) as { error: { code: string } }).error.code;
  const running = async (): Promise<ServiceStatus> => await hearthd.json<ServiceStatus>('status', ID);
  const installAndStart = async (): Promise<void> => {
    await hearthd.json('install', hpk);
    expect((await hearthd.json<ServiceStatus>('start', ID)).ready).toBe(true);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-backup-'));
    const key = await publisherKey(join(work, 'key.pem'));
    hpk = await packExample(ID, key, join(work, 'hello-world.hpk'));
    hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000));
    await hearthd.trust(key);
    repo = join(work, 'repo');
  }, 600_000);

  afterEach(async (context) => {
    hearthd.reportFailure(context, step);
    await hearthd.cli('uninstall', ID, '--purge', '--yes');
    expect(await containerRunning(join(hearthd.dataDir, 'lxc'), `hearth-${ID}`)).toBe(false);
  });

  afterAll(async () => {
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('adding a target makes an encrypted repository and shows its password once; hearthd keeps it root-only', async () => {
    step = 'target add';
    const added = await hearthd.json<{ password: string; created: boolean }>('backup', 'target', 'add', 'local', repo);
    expect(added.created).toBe(true);
    expect(added.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const text = await hearthd.cli('backup', 'target', 'add', 'other', join(work, 'repo-other'));
    expect(text.stdout).toMatch(/password: \S{43}/);
    expect(text.stdout).toContain('shown only this once');
    const backupDir = join(hearthd.dataDir, 'backup');
    expect(statSync(backupDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(backupDir, 'keys', 'local.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(backupDir, 'keys', 'local.key'), 'utf8')).toBe(added.password);
    expect(readFileSync(join(backupDir, 'targets.json'), 'utf8')).not.toContain(added.password);
    const listed = JSON.stringify(await hearthd.json('backup', 'target', 'ls'));
    expect(listed).toContain(repo);
    expect(listed).not.toContain(added.password);
    // restic's own files: the repository's config is encrypted, the password found nowhere in it.
    expect(existsSync(join(repo, 'config'))).toBe(true);
    expect((await hearthd.cli('backup', 'target', 'remove', 'other')).exitCode).toBe(0);
  });

  test('a service backed up, purged and restored has its data back, installed from the snapshot, and is ready', async () => {
    step = 'install';
    await installAndStart();
    await writeNote('the data that must survive\n');
    step = 'backup';
    const made = await hearthd.json<BackupSummary>('backup', ID, '--to', 'local');
    expect(made).toMatchObject({ service: ID, version: '1.0.0', mode: 'cold', target: 'local' });
    // A cold backup stops the service and starts it again.
    expect((await running()).ready).toBe(true);
    const { snapshots } = await hearthd.json<{ snapshots: SnapshotSummary[] }>('backup', 'ls', ID);
    expect(snapshots.map((s) => s.id)).toContain(made.id);
    // Nothing of the backup is left beside the volumes.
    expect(readdirSync(join(hearthd.dataDir, 'volumes', ID))).toEqual(['data']);
    step = 'purge';
    expect((await hearthd.cli('uninstall', ID, '--purge', '--yes')).exitCode).toBe(0);
    expect(existsSync(volumeFile())).toBe(false);
    step = 'restore';
    const restored = await hearthd.json<RestoreSummary>('restore', ID);
    expect(restored).toMatchObject({ id: ID, snapshot: made.id, installed: true });
    expect(restored.status.ready).toBe(true);
    expect(note()).toBe('the data that must survive\n');
    expect((await fetch((await running()).interfaces[0]!.url)).status).toBe(200);
  });

  test('a restore over a running service asks for --yes, then replaces its data and starts it ready', async () => {
    await installAndStart();
    await writeNote('version A\n');
    const made = await hearthd.json<BackupSummary>('backup', ID, '--to', 'local');
    await writeNote('version B\n');
    step = 'restore without --yes';
    const refused = await hearthd.cli('--json', 'restore', ID, '--snapshot', made.shortId);
    expect(refused.exitCode).not.toBe(0);
    expect(errorCode(refused)).toBe('PACKAGE_ALREADY_INSTALLED');
    expect(note()).toBe('version B\n');
    step = 'restore --yes';
    const restored = await hearthd.json<RestoreSummary>('restore', ID, '--snapshot', made.shortId, '--yes');
    expect(restored).toMatchObject({ installed: false, snapshot: made.id });
    expect(restored.status.ready).toBe(true);
    expect(note()).toBe('version A\n');
    expect(readdirSync(join(hearthd.dataDir, 'volumes', ID))).toEqual(['data']);
  });

  test('a wrong repository password is a clear error and changes nothing', async () => {
    await installAndStart();
    await writeNote('kept\n');
    step = 'open with a wrong password';
    const wrong = await hearthd.cliWithInput('not-the-password\n', '--json', 'backup', 'target', 'add', 'wrong', repo, '--password-stdin');
    expect(errorCode(wrong)).toBe('BACKUP_PASSWORD_WRONG');
    expect(JSON.stringify(await hearthd.json('backup', 'target', 'ls'))).not.toContain('"wrong"');
    expect(existsSync(join(hearthd.dataDir, 'backup', 'keys', 'wrong.key'))).toBe(false);
    step = 'a target whose password file no longer matches';
    const password = readFileSync(join(hearthd.dataDir, 'backup', 'keys', 'local.key'), 'utf8');
    expect((await hearthd.cliWithInput(`${password}\n`, 'backup', 'target', 'add', 'same', repo, '--password-stdin')).exitCode).toBe(0);
    await writeFile(join(hearthd.dataDir, 'backup', 'keys', 'same.key'), 'a password that is not it', { mode: 0o600 });
    const before = (await running()).container!.initPid;
    const backup = await hearthd.cli('--json', 'backup', ID, '--to', 'same');
    expect(errorCode(backup)).toBe('BACKUP_PASSWORD_WRONG');
    const restore = await hearthd.cli('--json', 'restore', ID, '--from', 'same', '--yes');
    expect(errorCode(restore)).toBe('BACKUP_PASSWORD_WRONG');
    // The service was not stopped, its data not touched.
    expect((await running()).container!.initPid).toBe(before);
    expect(note()).toBe('kept\n');
    await hearthd.cli('backup', 'target', 'remove', 'same');
  });

  test('a corrupted repository is a clear error, verify reports it, and the data is unchanged', async () => {
    await installAndStart();
    await writeNote('good\n');
    await hearthd.json('backup', ID, '--to', 'local');
    await writeNote('current\n');
    step = 'corrupt a copy';
    const broken = join(work, 'repo-broken');
    await cp(repo, broken, { recursive: true });
    for (const dir of await readdir(join(broken, 'data'))) {
      for (const file of await readdir(join(broken, 'data', dir))) {
        const handle = await open(join(broken, 'data', dir, file), 'r+');
        await handle.write(Buffer.alloc(64, 0xab), 0, 64, 16);
        await handle.close();
      }
    }
    const password = readFileSync(join(hearthd.dataDir, 'backup', 'keys', 'local.key'), 'utf8');
    expect((await hearthd.cliWithInput(`${password}\n`, 'backup', 'target', 'add', 'broken', broken, '--password-stdin')).exitCode).toBe(0);
    const before = (await running()).container!.initPid;
    step = 'restore from it';
    const restore = await hearthd.cli('--json', 'restore', ID, '--from', 'broken', '--yes');
    expect(restore.exitCode).not.toBe(0);
    expect(['BACKUP_REPOSITORY_DAMAGED', 'RESTORE_FAILED']).toContain(errorCode(restore));
    expect(note()).toBe('current\n');
    expect((await running()).container!.initPid).toBe(before);
    expect(readdirSync(join(hearthd.dataDir, 'volumes', ID))).toEqual(['data']);
    step = 'verify';
    const verify = await hearthd.cli('--json', 'backup', 'verify', '--target', 'broken', '--read-data');
    expect(verify.exitCode).toBe(1);
    expect(JSON.parse(verify.stdout)).toMatchObject({ targets: [{ name: 'broken', ok: false, code: 'BACKUP_REPOSITORY_DAMAGED' }] });
    expect(JSON.parse((await hearthd.cli('--json', 'backup', 'verify', '--target', 'local')).stdout)).toMatchObject({ targets: [{ name: 'local', ok: true }] });
    // A repository whose config is gone.
    await rm(join(broken, 'config'));
    expect(errorCode(await hearthd.cli('--json', 'backup', ID, '--to', 'broken'))).toBe('BACKUP_REPOSITORY_DAMAGED');
    expect((await running()).container!.initPid).toBe(before);
    await hearthd.cli('backup', 'target', 'remove', 'broken');
  });

  test.each([
    ['restore:restored', 'previous data\n'],
    ['restore:committed', 'backed up data\n'],
  ])('hearthd killed at %s during a restore: after restart the service runs with %j, nothing half-restored, and the next restore works', async (point, expected) => {
    await installAndStart();
    await writeNote('backed up data\n');
    const made = await hearthd.json<BackupSummary>('backup', ID, '--to', 'local');
    await writeNote('previous data\n');
    step = `crash at ${point}`;
    await hearthd.kill9();
    await hearthd.launch({ HEARTH_CRASH_AT: point });
    const r = await hearthd.cli('restore', ID, '--snapshot', made.shortId, '--yes');
    expect(r.exitCode).not.toBe(0);
    await hearthd.exited();
    await hearthd.launch();
    step = 'converge';
    await expect.poll(async () => (await running()).ready, POLL).toBe(true);
    expect(note()).toBe(expected);
    expect(readdirSync(join(hearthd.dataDir, 'volumes', ID))).toEqual(['data']);
    step = 'restore again';
    await writeNote('changed again\n');
    const again = await hearthd.json<RestoreSummary>('restore', ID, '--snapshot', made.shortId, '--yes');
    expect(again.status.ready).toBe(true);
    expect(note()).toBe('backed up data\n');
  });
});


