import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { BackupSummary, RestoreSummary, ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { processTree } from '../support/leftovers.js';
import { packExample, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const ID = 'hello-world';
const POLL = { timeout: 60_000, interval: 200 };
/** Random data in the volume, so restic is still at work when hearthd is killed (about a second here). */
const BIG_MIB = 96;
const FIND_RESTIC = { timeout: 30_000, interval: 10 };
/** restic needs about 2 s for BIG_MIB here; killed with hearthd, it is gone well before. */
const RESTIC_GONE_MS = 750;

/** Exited: no such process, or a zombie its new parent has not reaped yet. */
function dead(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return true; // no /proc entry: exited and reaped
  }
}

/**
 * hearthd SIGKILLed while its restic child is writing, not at a chosen point of hearth's own code:
 * restic dies with it (setpriv --pdeathsig), the data is as it was, and the next run works.
 */
describe.skipIf(skipUnless({ root: isRoot }))('hearthd killed while restic is backing up or restoring', () => {
  let work: string;
  let hearthd: TestHearthd;
  let step = '';

  const volumeDir = (): string => join(hearthd.dataDir, 'volumes', ID);
  const note = (): string => readFileSync(join(volumeDir(), 'data', 'note.txt'), 'utf8');
  const writeNote = async (text: string): Promise<void> => {
    const file = join(work, 'note.txt');
    await writeFile(file, text);
    const r = await hearthd.cli('cp', '--volume', 'data', file, `${ID}:/note.txt`);
    expect(r.exitCode, r.stderr).toBe(0);
  };
  const status = (): Promise<ServiceStatus> => hearthd.json<ServiceStatus>('status', ID);

  /** The pid of hearthd's `restic <command>` child, once it runs. */
  const resticRunning = async (command: string): Promise<number> => {
    let found: number | undefined;
    await expect
      .poll(() => {
        found = processTree(hearthd.pid ?? 0).find((p) => {
          try {
            const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
            return argv.some((a) => a.endsWith('restic')) && argv.includes(command);
          } catch {
            return false; // it exited while we looked
          }
        });
        return found;
      }, FIND_RESTIC)
      .toBeDefined();
    return found ?? 0;
  };

  /** SIGKILL hearthd while restic runs `command`: restic goes with it; then start hearthd again. */
  const killDuring = async (command: string, cli: Promise<{ exitCode: number }>): Promise<void> => {
    const restic = await resticRunning(command);
    await hearthd.kill9();
    expect((await cli).exitCode).not.toBe(0);
    // Gone at once (restic alone would write for a second or two more): killed, not left writing.
    await expect.poll(() => dead(restic), { timeout: RESTIC_GONE_MS, interval: 20 }).toBe(true);
    await hearthd.launch();
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-backup-crash-'));
    const key = await publisherKey(join(work, 'key.pem'));
    const hpk = await packExample(ID, key, join(work, 'hello-world.hpk'));
    hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000));
    await hearthd.trust(key);
    await hearthd.json('backup', 'target', 'add', 'local', join(work, 'repo'));
    await hearthd.json('install', hpk);
    expect((await hearthd.json<ServiceStatus>('start', ID)).ready).toBe(true);
    await execa('head', ['-c', `${BIG_MIB}M`, '/dev/urandom'], { stdout: { file: join(volumeDir(), 'data', 'big.bin') } });
  }, 600_000);

  afterEach((context) => {
    hearthd.reportFailure(context, step);
  });

  afterAll(async () => {
    await hearthd?.cli('uninstall', ID, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('killed during a cold backup: the service runs again with its data, no staging is left, and the next backup and verify work', async () => {
    await writeNote('before the killed backup\n');
    step = 'kill during restic backup';
    await killDuring('backup', hearthd.cli('backup', ID, '--to', 'local'));
    step = 'converge';
    // The cold backup had stopped it; it is still meant to run, so boot starts it.
    await expect.poll(async () => (await status()).ready, POLL).toBe(true);
    expect(note()).toBe('before the killed backup\n');
    expect(readdirSync(volumeDir())).toEqual(['data']);
    expect((await hearthd.json<{ snapshots: unknown[] }>('backup', 'ls', ID)).snapshots).toEqual([]);
    step = 'backup again';
    const made = await hearthd.json<BackupSummary>('backup', ID, '--to', 'local');
    expect((await hearthd.json<{ snapshots: { id: string }[] }>('backup', 'ls', ID)).snapshots.map((s) => s.id)).toEqual([made.id]);
    expect((await status()).ready).toBe(true);
    // The killed restic's lock and half-written packs do not make the repository damaged.
    expect(await hearthd.json('backup', 'verify', '--target', 'local')).toMatchObject({ targets: [{ name: 'local', ok: true }] });
  });

  test('killed during a restore over the running service: it keeps its previous data, nothing half-restored is left, and the next restore works', async () => {
    await writeNote('backed up\n');
    const made = await hearthd.json<BackupSummary>('backup', ID, '--to', 'local');
    await writeNote('previous\n');
    const initPid = (await status()).container?.initPid;
    step = 'kill during restic restore';
    await killDuring('restore', hearthd.cli('restore', ID, '--snapshot', made.shortId, '--yes'));
    step = 'converge';
    await expect.poll(async () => (await status()).ready, POLL).toBe(true);
    // restic writes beside the live volumes while the service runs: it was never stopped.
    expect((await status()).container?.initPid).toBe(initPid);
    expect(note()).toBe('previous\n');
    expect(readdirSync(volumeDir())).toEqual(['data']);
    step = 'restore again';
    const again = await hearthd.json<RestoreSummary>('restore', ID, '--snapshot', made.shortId, '--yes');
    expect(again.status.ready).toBe(true);
    expect(note()).toBe('backed up\n');
    expect(statSync(join(volumeDir(), 'data', 'big.bin')).size).toBe(BIG_MIB * 1024 * 1024);
  });
});
