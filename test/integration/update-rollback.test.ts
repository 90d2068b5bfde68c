import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { containerRunning } from '../support/leftovers.js';
import { packExample, packVersion, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const ID = 'hello-world';
const NOTE = 'written by 1.0.0\n';

/** Updates roll data back with code: hearthd snapshots the volumes before an update (real containers). */
describe.skipIf(skipUnless({ root: isRoot }))('updates that fail roll the volumes back too', () => {
  let work: string;
  let hearthd: TestHearthd;
  let v10: string;
  let v11: string;
  let broken: string;
  let step = '';
  const volume = (): string => join(hearthd.dataDir, 'volumes', ID);

  const runOldWithNote = async (): Promise<void> => {
    step = 'installing 1.0.0';
    await hearthd.json('install', v10);
    expect((await hearthd.json<ServiceStatus>('start', ID)).ready).toBe(true);
    const file = join(work, 'note.txt');
    await writeFile(file, NOTE);
    const r = await hearthd.cli('cp', '--volume', 'data', file, `${ID}:/note.txt`);
    expect(r.exitCode, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-update-rollback-'));
    const key = await publisherKey(join(work, 'key.pem'));
    v10 = await packExample(ID, key, join(work, 'hello-world-1.0.0.hpk'));
    v11 = await packVersion(ID, '1.1.0', key, join(work, 'hello-world-1.1.0.hpk'));
    // A "migration" that rewrites the volume, then a start that fails.
    broken = await packVersion(ID, '1.2.0', key, join(work, 'hello-world-1.2.0.hpk'), 'build-image.sh', (source) =>
      source.replace(/command: \[[^\]]*\]/, `command: ['sh', '-c', 'echo migrated by 1.2.0 > /data/note.txt; echo 1.2.0 > /data/added.txt; exit 1'], restart: { mode: 'never' }`),
    );
    hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000));
    await hearthd.trust(key);
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

  test('a version that wrote to its volume and failed to start: the old version runs with the old volume, and the error says code and data were restored', async () => {
    await runOldWithNote();
    step = 'updating to the broken 1.2.0';
    const r = await hearthd.cli('--json', 'update', ID, broken);
    expect(r.exitCode).not.toBe(0);
    const error = (JSON.parse(r.stdout) as { error: { code: string; message: string; details?: { dataRestored?: boolean } } }).error;
    expect(error.code).toBe('UPDATE_FAILED');
    expect(error.message).toContain('code and data restored');
    expect(error.details?.dataRestored).toBe(true);
    step = 'checking the old version and its data';
    const status = await hearthd.json<ServiceStatus>('status', ID);
    expect(status.version).toBe('1.0.0');
    await expect.poll(async () => (await hearthd.json<ServiceStatus>('status', ID)).ready, { timeout: 60_000, interval: 200 }).toBe(true);
    expect(readFileSync(join(volume(), 'data', 'note.txt'), 'utf8')).toBe(NOTE);
    expect(existsSync(join(volume(), 'data', 'added.txt'))).toBe(false);
    // Nothing of the snapshot or the swap is left beside the volumes.
    expect(readdirSync(volume())).toEqual(['data']);
  });

  test('an update that becomes ready keeps the new data and deletes its snapshot', async () => {
    await runOldWithNote();
    step = 'updating to 1.1.0';
    await hearthd.json('update', ID, v11);
    expect((await hearthd.json<ServiceStatus>('status', ID)).version).toBe('1.1.0');
    expect(readFileSync(join(volume(), 'data', 'note.txt'), 'utf8')).toBe(NOTE);
    expect(readdirSync(volume())).toEqual(['data']);
  });

  test('with require-before-update, an update backs the service up first, and a failing backup refuses the update with nothing changed', async () => {
    const repo = join(work, 'required-repo');
    step = 'adding a target';
    expect((await hearthd.cli('backup', 'target', 'add', 'required', repo)).exitCode).toBe(0);
    try {
      const unknown = await hearthd.cli('--json', 'backup', 'require-before-update', 'nowhere');
      expect((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code).toBe('BACKUP_TARGET_NOT_FOUND');
      expect((await hearthd.json<{ target: string | null }>('backup', 'require-before-update', 'required')).target).toBe('required');
      await runOldWithNote();
      step = 'updating to 1.1.0 with a working target';
      await hearthd.json('update', ID, v11);
      const snapshots = (await hearthd.json<{ snapshots: { service: string; version: string }[] }>('backup', 'ls', ID, '--target', 'required')).snapshots;
      expect(snapshots.map((s) => s.version)).toEqual(['1.0.0']);
      step = 'updating with the target gone';
      await rm(repo, { recursive: true, force: true });
      const refused = await hearthd.cli('--json', 'update', ID, broken);
      expect(refused.exitCode).not.toBe(0);
      const error = (JSON.parse(refused.stdout) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('BACKUP_FAILED');
      expect(error.message).toContain('refused');
      expect(error.message).toContain('nothing was changed');
      const status = await hearthd.json<ServiceStatus>('status', ID);
      expect(status.version).toBe('1.1.0');
      expect(status.ready).toBe(true);
      expect(readFileSync(join(volume(), 'data', 'note.txt'), 'utf8')).toBe(NOTE);
      step = 'turning it off: the update goes through to the broken version and rolls back';
      expect((await hearthd.json<{ target: string | null }>('backup', 'require-before-update', 'off')).target).toBe(null);
      expect((JSON.parse((await hearthd.cli('--json', 'update', ID, broken)).stdout) as { error: { code: string } }).error.code).toBe('UPDATE_FAILED');
    } finally {
      await hearthd.cli('backup', 'require-before-update', 'off');
      await hearthd.cli('backup', 'target', 'remove', 'required');
    }
  });
});
