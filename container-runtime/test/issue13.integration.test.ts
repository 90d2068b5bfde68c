import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceConfig } from '@hearth/sdk/contract';
import { APP_UID, BUSYBOX, alive, isStaticElf, makeMediaDir, mountsUnder } from './harness.js';
import { RUNTIME_MAIN, startRuntime, type HostDouble } from './host-double.js';
import { PASSWORD, TOKEN, issue13Module, manifest } from './issue13-package.js';

/**
 * Secrets, rendered files, settings, reconfiguration, hooks and one-off processes, with real
 * mounts: the runtime as root in a private mount and network namespace (see host-double.ts), its
 * /run a shared mount there so that a secrets tmpfs leaking through propagation would show.
 */

const POLL = { timeout: 15_000, interval: 50 };
const canRun = process.getuid?.() === 0 && isStaticElf(BUSYBOX);
if (!canRun && process.env.HEARTH_REQUIRE_ALL === '1') throw new Error(`this suite needs root and a static ${BUSYBOX}`);

describe.skipIf(!canRun)('secrets, files, settings, hooks and one-off processes in the runtime', () => {
  let work: string;
  let media: string;
  let host: HostDouble;
  const config = (settings: Partial<ServiceConfig['settings']>, password = PASSWORD): ServiceConfig => ({ settings: { title: 'Hello', workers: 1, ...settings }, secrets: { password, token: TOKEN } });
  const states = async () => (await host.call('runtime.status')).daemons.map((d) => [d.id, d.state]);
  const pids = async () => Object.fromEntries((await host.call('runtime.status')).daemons.map((d) => [d.id, d.pid]));
  const allReady = async () => expect.poll(async () => (await states()).every(([, s]) => s === 'ready'), POLL).toBe(true);
  const sh = async (daemon: string, script: string, user?: string) => host.exec({ daemon, command: ['sh', '-c', script], ...(user !== undefined && { user }) });

  beforeAll(async () => {
    if (!existsSync(RUNTIME_MAIN)) throw new Error(`${RUNTIME_MAIN} is missing: run \`npx tsc -b container-runtime\` first`);
    work = await mkdtemp(join(tmpdir(), 'hearth-runtime13-'));
    media = join(work, 'media');
    await makeMediaDir(media);
    await writeFile(join(media, 'package', 'manifest.json'), JSON.stringify(manifest));
    await writeFile(join(media, 'package', 'index.mjs'), issue13Module());
    await writeFile(join(media, 'host', 'settings.json'), JSON.stringify({ settings: { title: 'FromFile', workers: 2 } }));
    host = await startRuntime(media, { sharedRun: true });
    expect(await host.call('runtime.loaded')).toEqual({ ok: true });
  });

  afterAll(async () => {
    const left = (await host.call('runtime.status').catch(() => ({ daemons: [] }))).daemons.flatMap((d) => (d.pid === undefined ? [] : [d.pid]));
    await host.close();
    for (const pid of left) if (alive(pid)) process.kill(-pid, 'SIGKILL');
    if (work && mountsUnder(work).length === 0) await rm(work, { recursive: true, force: true });
  }, 60_000);

  test('at load, main runs with the settings hearthd wrote (two workers)', async () => {
    expect(await states()).toEqual([['db', 'waiting'], ['web', 'waiting'], ['worker0', 'waiting'], ['worker1', 'waiting']]);
  });

  test('the config of runtime.start wins over the file: one worker, all ready', async () => {
    const started = await host.call('runtime.start', { config: config({}) });
    expect(started.daemons.map((d) => d.id)).toEqual(['db', 'web', 'worker0']);
    await allReady();
  });

  test('a daemon reads the secret it names at /run/secrets, 0400 and its user’s, on a tmpfs no other daemon sees', async () => {
    expect((await sh('db', 'stat -c "%a %u" /run/secrets /run/secrets/password; cat /run/secrets/password')).stdout).toBe(`500 ${APP_UID}\n400 ${APP_UID}\n${PASSWORD}`);
    for (const other of ['web', 'worker0']) expect(await sh(other, 'ls -A /run/secrets')).toMatchObject({ exitCode: 0, stdout: '' });
    const secretMounts = mountsUnder(media, host.runtimePid).filter((m) => m.endsWith('/run/secrets'));
    expect(secretMounts).toEqual([join(media, 'scratch', 'db', 'root', 'run', 'secrets')]);
  });

  test('a secret is in no daemon’s environment and in no file on disk', async () => {
    for (const pid of Object.values(await pids())) expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain(PASSWORD);
    const grep = await execa('grep', ['-r', '-l', '-D', 'skip', PASSWORD, media], { reject: false });
    expect([grep.exitCode, grep.stdout]).toEqual([1, '']);
  });

  test('what package code prints with a secret reaches the runtime’s console (runtime.log) redacted', () => {
    expect(host.console()).toContain('rendered /etc/db.conf: password=[secret:password]');
    expect(host.console()).not.toContain(PASSWORD);
  });

  test('a file that read a secret is bound read-only from the tmpfs, in no peer group; its placeholder on disk is empty', async () => {
    expect((await sh('db', 'cat /etc/db.conf')).stdout).toBe(`password=${PASSWORD}\n`);
    const conf = join(media, 'scratch', 'db', 'root', 'etc', 'db.conf');
    const line = readFileSync(`/proc/${host.runtimePid}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === conf);
    expect(line).toMatch(/ ro,/);
    expect(line).not.toMatch(/shared:/);
    expect((await sh('db', 'echo x > /etc/db.conf', 'root')).exitCode).not.toBe(0);
    expect(await readFile(join(media, 'scratch', 'db', 'upper', 'etc', 'db.conf'), 'utf8')).toBe('');
  });

  test('a file from a setting is in the writable layer with its mode and owner', async () => {
    expect((await sh('web', 'stat -c "%a %u" /etc/web.conf; cat /etc/web.conf')).stdout).toBe(`600 ${APP_UID}\ntitle=Hello\n`);
  });

  test('a new title restarts only web; the others keep their pids', async () => {
    const before = await pids();
    expect(await host.call('runtime.reconfigure', { config: config({ title: 'Bye' }) })).toMatchObject({ restarted: ['web'], added: [], removed: [] });
    await allReady();
    const after = await pids();
    expect([after['db'], after['worker0']]).toEqual([before['db'], before['worker0']]);
    expect(after['web']).not.toBe(before['web']);
    expect((await sh('web', 'cat /etc/web.conf')).stdout).toBe('title=Bye\n');
  });

  test('a new password restarts only db, which reads the new one; more workers only adds', async () => {
    const before = await pids();
    expect((await host.call('runtime.reconfigure', { config: config({ title: 'Bye' }, 'pw-second-0123456789abcdef') })).restarted).toEqual(['db']);
    await allReady();
    expect((await sh('db', 'cat /run/secrets/password /etc/db.conf')).stdout).toBe('pw-second-0123456789abcdefpassword=pw-second-0123456789abcdef\n');
    expect((await pids())['web']).toBe(before['web']);
    expect(await host.call('runtime.reconfigure', { config: config({ title: 'Bye', workers: 2 }, 'pw-second-0123456789abcdef') })).toMatchObject({ restarted: [], added: ['worker1'] });
    await allReady();
  });

  test('a hook ran a one-off process (no secrets asked: none given) and set the status message', async () => {
    await expect.poll(() => host.messages.at(-1), POLL).toBe(`web ready; one-off said ${APP_UID}`);
    expect(host.reports.filter((r) => r.hook === 'daemonReady').every((r) => r.ok)).toBe(true);
  });

  test('an action’s one-off process returns its exit code and output, got the secret it asked for, and left no mount or directory', async () => {
    const result = await host.call('runtime.runAction', { action: 'export', input: {} });
    expect(result).toMatchObject({ message: 'exit 3', data: { exitCode: 3, timedOut: false, stdout: `${TOKEN}\n`, stderr: 'to-err\n' } });
    expect(existsSync(join(media, 'volumes', 'data', 'from-run'))).toBe(true);
    expect(mountsUnder(join(media, 'scratch', '.runs'), host.runtimePid)).toEqual([]);
    expect(await readdir(join(media, 'scratch', '.runs'))).toEqual([]);
  });

  test('a one-off process past its timeout is killed with what it started', async () => {
    const result = await host.call('runtime.run', { image: 'web', command: ['sh', '-c', 'sleep 3141 & sleep 3142'], options: { timeoutMs: 500 } });
    expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
    expect((await execa('pgrep', ['-f', '^sleep 314[12]$'], { reject: false })).stdout).toBe('');
    expect(mountsUnder(join(media, 'scratch', '.runs'), host.runtimePid)).toEqual([]);
  });

  test('stop leaves nothing mounted under scratch', async () => {
    const stopped = await host.call('runtime.stop');
    expect(stopped.daemons.every((d) => d.state === 'stopped')).toBe(true);
    // scratch itself is a (shared) mount of this test's; nothing below it is left.
    expect(mountsUnder(join(media, 'scratch'), host.runtimePid)).toEqual([join(media, 'scratch')]);
  });
});
