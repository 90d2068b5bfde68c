import { createHash } from 'node:crypto';
import { cp, lstat, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { execAsNobody } from '../support/host-user.js';
import { cgroupsOf } from '../support/leftovers.js';
import { REPO, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

/** The last commit before data format 2 (container ids shifted, directory kinds): its data dirs are format 1. */
const FORMAT_1_COMMIT = 'b0d115f';
const BUILD_TIMEOUT_MS = 600_000;
const ID = 'hello-world';
const POLL = { timeout: 60_000, interval: 200 };

const hasCommit = (await execa('git', ['-C', REPO, 'cat-file', '-e', `${FORMAT_1_COMMIT}^{commit}`], { reject: false })).exitCode === 0;

/** `hearth logs --json` prints one entry per line. */
const logCount = async (hearthd: TestHearthd): Promise<number> => (await hearthd.cli('logs', ID, '--json', '--tail', '1000')).stdout.split('\n').filter(Boolean).length;
const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

describe.skipIf(skipUnless({ root: isRoot, [`commit ${FORMAT_1_COMMIT} in this clone's history (clone with full history)`]: hasCommit }))('a data dir made by the hearth before format 2, taken over by this one', () => {
  let work: string;
  let old: string;
  let hearthd: TestHearthd;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-upgrade-'));
    old = join(work, 'old');
    await execa('git', ['-C', REPO, 'worktree', 'add', '--detach', old, FORMAT_1_COMMIT], { timeout: BUILD_TIMEOUT_MS });
    // Same lockfile then: its dependencies are ours (workspace links are relative, so they point into the copy).
    await cp(join(REPO, 'node_modules'), join(old, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    await execa('npx', ['tsc', '-b'], { cwd: old, timeout: BUILD_TIMEOUT_MS });
    await execa('node', ['scripts/build-base.mjs'], { cwd: old, timeout: BUILD_TIMEOUT_MS });
    const pack = join(old, 'sdk/dist/pack/cli.js');
    await execa('node', [pack, 'keygen', '--out', join(work, 'key.pem')], { timeout: BUILD_TIMEOUT_MS });
    await execa('bash', [join(old, 'packages-examples', ID, 'build-image.sh')], { timeout: BUILD_TIMEOUT_MS });
    await execa('node', [pack, join(old, 'packages-examples', ID), '--key', join(work, 'key.pem'), '--out', join(work, 'hw.hpk')], { timeout: BUILD_TIMEOUT_MS });
    hearthd = await TestHearthd.create(24_000 + Math.floor(Math.random() * 500));
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await hearthd?.cli('uninstall', ID, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    await execa('git', ['-C', REPO, 'worktree', 'remove', '--force', old], { reject: false });
    await rm(work, { recursive: true, force: true });
  });

  test('its running service, volume data, logs and trusted keys survive; its setuid-root volume file becomes an unprivileged one', async () => {
    // The earlier hearth: install, start, write data, and plant a setuid file as container root.
    hearthd.useCheckout(old);
    await hearthd.launch();
    await hearthd.trust(join(work, 'key.pem'));
    await hearthd.json('install', join(work, 'hw.hpk'));
    const started = await hearthd.json<ServiceStatus>('start', ID);
    expect((await fetch(started.interfaces[0]?.url ?? 'no interface')).status).toBe(200); // httpd -v logs it
    await writeFile(join(work, 'note.txt'), 'kept across the upgrade\n');
    expect((await hearthd.cli('cp', join(work, 'note.txt'), `${ID}:/note.txt`, '--volume', 'data')).exitCode).toBe(0);
    const planted = await hearthd.cli('exec', ID, '--', 'sh', '-c', 'cp /bin/busybox /data/suid && chmod 4755 /data/suid');
    expect(planted.exitCode).toBe(0);
    const volume = join(hearthd.dataDir, 'volumes', ID, 'data');
    const before = await lstat(join(volume, 'suid'));
    expect([before.uid, before.mode & 0o4000]).toEqual([0, 0o4000]); // finding 1: host root's setuid file
    const noteHash = await sha256(join(volume, 'note.txt'));
    await expect.poll(() => logCount(hearthd), POLL).toBeGreaterThan(0);
    const logLines = await logCount(hearthd);
    const trusted = await hearthd.json<unknown>('trust', 'list');
    // Killed, as a crash or an upgrade without stopping would: its container keeps running.
    await hearthd.kill9();

    hearthd.useCheckout(REPO);
    await hearthd.launch();
    await expect.poll(async () => (await hearthd.json<ServiceStatus>('status', ID)).ready, POLL).toBe(true);

    expect(JSON.parse(await readFile(join(hearthd.dataDir, 'format.json'), 'utf8'))).toEqual({ format: 2 });
    expect(await sha256(join(volume, 'note.txt'))).toBe(noteHash);
    const after = await lstat(join(volume, 'suid'));
    expect([after.uid, after.gid, (after.mode & 0o7777).toString(8)]).toEqual([100_000, 100_000, '4755']);
    // An unprivileged host user cannot even reach it.
    expect(execAsNobody(join(volume, 'suid'), ['id', '-u'])).toBe('EACCES');
    expect(await logCount(hearthd)).toBeGreaterThanOrEqual(logLines);
    expect(await hearthd.json<unknown>('trust', 'list')).toEqual(trusted);
    // The service is the new hearth's: one container, serving its page, reading the volume as its own.
    const cgroupNames = new Set(cgroupsOf(`hearth-${ID}`).map((c) => c.split('/')[1]).filter((c) => c?.startsWith('lxc.payload.')));
    expect(cgroupNames.size).toBe(1);
    const read = await hearthd.cli('exec', ID, '--', 'cat', '/data/note.txt');
    expect(read.stdout).toContain('kept across the upgrade');
    const status = await hearthd.json<ServiceStatus>('status', ID);
    const page = await fetch(status.interfaces[0]?.url ?? 'no interface');
    expect(page.status).toBe(200);
  });
});
