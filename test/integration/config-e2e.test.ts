import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionResult, ConfigChange, ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { mountsUnder } from '../support/leftovers.js';
import { keygen, packDir, packFixtureVersion } from '../support/packages.js';
import { FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const PORT_BASE = 19_000 + Math.floor(Math.random() * 10_000);
const ID = 'confe2e';
const POLL = { timeout: 20_000, interval: 200 };

/**
 * Issue 13 end to end, through hearthd and a real container: a secret reaches only the daemon that
 * names it, as a file, and nothing hearth keeps or returns shows it; a setting re-renders a file and
 * restarts only what uses it, and can add daemons; hooks fire once per event and a failing one is
 * reported without holding the service; a one-off process returns its output and leaves nothing.
 */
describe.skipIf(skipUnless({ root: isRoot }))('settings, secrets, files, hooks and one-off processes through hearthd', () => {
  let work: string;
  let key: string;
  let hearthd: TestHearthd;
  const status = (): Promise<ServiceStatus> => hearthd.json<ServiceStatus>('status', ID);
  const token = (): string => (JSON.parse(readFileSync(join(hearthd.dataDir, 'secrets', `${ID}.json`), 'utf8')) as { secrets: Record<string, { value: string }> }).secrets['token']?.value ?? '';
  const pids = async (): Promise<Record<string, number | undefined>> => Object.fromEntries((await status()).daemons.map((d) => [d.id, d.pid]));
  const inDaemon = async (daemon: string, script: string): Promise<string> => {
    const result = await hearthd.cli('exec', ID, '--daemon', daemon, '--', 'sh', '-c', script);
    return result.stdout + result.stderr;
  };
  const events = (): string[] => readdirSync(join(hearthd.dataDir, 'volumes', ID, 'events'));
  const event = (name: string): string => readFileSync(join(hearthd.dataDir, 'volumes', ID, 'events', name), 'utf8');
  /** Host pids of every process of the container: those in its init's pid namespace. */
  const containerPids = async (): Promise<number[]> => {
    const ns = readlinkSync(`/proc/${(await status()).container?.initPid ?? 0}/ns/pid`);
    return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/pid`) === ns;
      } catch {
        return false; // exited meanwhile
      }
    });
  };
  const cmdline = (pid: number): string => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      return '';
    }
  };
  const page = async (): Promise<string> => {
    const url = (await status()).interfaces[0]?.url ?? '';
    return await (await fetch(url)).text();
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-config-'));
    key = await keygen(join(work, 'key.pem'));
    const archive = await packDir(join(FIXTURES, 'config-e2e'), '../supervision/build-images.sh', key, join(work, `${ID}.hpk`));
    hearthd = await TestHearthd.start(PORT_BASE);
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    await hearthd.json('start', ID);
  });

  afterAll(async () => {
    await hearthd?.cli('uninstall', ID, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('the secret is a 0400 file of the daemon that names it, on its own tmpfs; the other daemon has none, and another uid cannot reach it through /proc', async () => {
    const secret = token();
    expect(secret).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(await inDaemon('web', 'cat /run/secrets/token')).toBe(secret);
    expect(await inDaemon('web', 'ls -ln /run/secrets/token')).toMatch(/^-r-------- +1 65534 +65534 /);
    // A file whose render read the secret is bound from that tmpfs; one from a setting is in the layer.
    expect(await inDaemon('web', 'cat /etc/app/token.conf')).toBe(`token=${secret}`);
    expect(await inDaemon('web', 'cat /www/index.html')).toBe('<h1>First title</h1>');
    expect(await inDaemon('side', 'ls /run/secrets 2>&1; cat /run/secrets/token 2>&1')).not.toContain(secret);
    // Nor through web's /proc/<pid>/root as another uid. Container root can (one trust domain, SECURITY.md §6):
    // that it can shows the path is right.
    const web = (await status()).daemons.find((d) => d.id === 'web')?.pid ?? 0;
    const through = (user: string) => hearthd.cli('exec', ID, '--daemon', 'side', '--user', user, '--', 'cat', `/proc/${web}/root/run/secrets/token`);
    const other = await through('1000');
    expect([other.exitCode === 0, other.stdout + other.stderr]).toEqual([false, expect.not.stringContaining(secret)]);
    expect(other.stderr).toMatch(/Permission denied/); // refused by the kernel, not a failed exec
    expect((await through('root')).stdout).toBe(secret);
  });

  test('the secret is in the environment of no process of the container, in no file hearth keeps (runtime.log with what package code printed included), and in no status, log or action output', async () => {
    const secret = token();
    // Every process of the container (the runtime, each daemon), read by the host as root: their environments.
    const procs = await containerPids();
    expect(procs.map(cmdline)).toEqual(expect.arrayContaining(['httpd -f -p 8080 -h /www', 'sleep 100000']));
    expect(procs.map(cmdline).filter((c) => c === 'sleep 100000').length).toBe(2); // side and worker-0
    for (const pid of procs) expect(readFileSync(`/proc/${pid}/environ`, 'latin1'), cmdline(pid)).not.toContain(secret);
    await expect.poll(async () => (await hearthd.cli('logs', ID, '--tail', '100')).stdout, POLL).toContain('web sees token [secret:token]');
    expect((await hearthd.cli('logs', ID, '--tail', '1000', '--json')).stdout).not.toContain(secret);
    expect((await hearthd.cli('status', ID, '--json')).stdout).not.toContain(secret);
    const probe = await hearthd.cli('action', ID, 'probe', '--json');
    expect(probe.stdout).not.toContain(secret);
    // On disk, everything but the secret store: state, logs, and all of the service's files as the host
    // sees them (its host dir, images, the scratch disk with every daemon's writable layer, its volumes).
    // The secret's own tmpfs is mounted inside the container only.
    const kept = [
      join(hearthd.dataDir, 'state.json'),
      ...walk(join(hearthd.dataDir, 'logs')),
      ...walk(join(hearthd.dataDir, 'run', ID), 16),
      ...walk(join(hearthd.dataDir, 'volumes', ID), 16),
    ];
    expect(kept.some((f) => f.endsWith('index.html'))).toBe(true); // the walk reached the daemons' layers
    for (const file of kept) expect(await readFile(file, 'utf8').catch(() => ''), file).not.toContain(secret);
    // What package code printed (the token.conf render logs its content) is in runtime.log, redacted.
    expect(kept).toContain(join(hearthd.dataDir, 'logs', ID, 'runtime.log'));
    expect(readFileSync(join(hearthd.dataDir, 'logs', ID, 'runtime.log'), 'utf8')).toContain('rendered /etc/app/token.conf: token=[secret:token]');
  });

  test('a setting that only web uses re-renders its file and restarts web alone; another adds a daemon (whose failing ready hook is reported in status) and touches nothing else', async () => {
    const before = await pids();
    const change = await hearthd.json<ConfigChange>('config', 'set', ID, 'title=Second title');
    expect(change.applied).toBe('reconfigured');
    expect(change.reconfigured).toEqual({ restarted: ['web'], added: [], removed: [] });
    await expect.poll(page, POLL).toContain('<h1>Second title</h1>');
    const after = await pids();
    expect(after['web']).not.toBe(before['web']);
    expect([after['side'], after['worker-0']]).toEqual([before['side'], before['worker-0']]);

    const more = await hearthd.json<ConfigChange>('config', 'set', ID, 'workers=2');
    expect(more.reconfigured).toEqual({ restarted: [], added: ['worker-1'], removed: [] });
    await expect.poll(async () => (await status()).daemons.find((d) => d.id === 'worker-1')?.state, POLL).toBe('ready');
    // Its ready hook throws: reported in status, and nothing else changes.
    await expect.poll(async () => (await hearthd.cli('status', ID)).stdout, POLL).toMatch(/hook daemonReady: failed: .*the ready hook of worker-1 fails on purpose/);
    const now = await pids();
    expect([now['web'], now['side'], now['worker-0']]).toEqual([after['web'], after['side'], after['worker-0']]);
    expect((await hearthd.json<{ settings: Record<string, unknown> }>('config', 'get', ID)).settings).toMatchObject({ title: 'Second title', workers: 2 });
  });

  test('a bad value is refused naming the field and changes nothing', async () => {
    const result = await hearthd.cli('config', 'set', ID, 'workers=many');
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('workers');
    expect((await hearthd.json<{ settings: Record<string, unknown> }>('config', 'get', ID)).settings).toMatchObject({ workers: 2 });
  });

  test('rotating the secret restarts only the daemon that names it, which reads the new value', async () => {
    const old = token();
    const before = await pids();
    await hearthd.json('secret', 'rotate', ID, 'token');
    expect(token()).not.toBe(old);
    await expect.poll(() => inDaemon('web', 'cat /run/secrets/token'), POLL).toBe(token());
    const after = await pids();
    expect(after['web']).not.toBe(before['web']);
    expect(after['side']).toBe(before['side']);
  });

  test('hooks: ready once per daemon start, a crash once with its signal and last lines and its reason in status; the service keeps running', async () => {
    await expect.poll(() => events().filter((e) => e.startsWith('ready-side-')).length, POLL).toBe(1);
    const side = (await status()).daemons.find((d) => d.id === 'side')?.pid ?? 0;
    expect(side).toBeGreaterThan(0);
    await inDaemon('side', `kill -9 ${side}`); // its pid in the container's pid namespace, which exec shares
    await expect.poll(() => events().filter((e) => e.startsWith('crashed-side-')).length, POLL).toBe(1);
    const crash = JSON.parse(event(events().find((e) => e.startsWith('crashed-side-')) ?? '')) as Record<string, unknown>;
    expect(crash).toEqual({ daemon: 'side', exitCode: null, signal: 'SIGKILL', lastLines: ['side up'], restarting: true });
    await expect.poll(async () => (await status()).message, POLL).toBe('side crashed (SIGKILL)');
    // Restarted by its policy: ready a second time, and the service as a whole is still ready.
    await expect.poll(() => events().filter((e) => e.startsWith('ready-side-')).length, POLL).toBe(2);
    await expect.poll(async () => (await status()).ready, POLL).toBe(true);
  });

  test('a one-off process returns its output and exit code, sees its secret and mounts, and leaves no mount or process behind', async () => {
    const mountsBefore = mountsUnder(join(hearthd.dataDir, 'run', ID)).length;
    const procsBefore = (await containerPids()).sort();
    const ok = await hearthd.json<ActionResult>('action', ID, 'probe');
    const outcome = ok.data as { exitCode: number; stdout: string; timedOut: boolean };
    expect(outcome.exitCode).toBe(0);
    expect(outcome.timedOut).toBe(false);
    expect(outcome.stdout).toMatch(/^one-off sees 24\n\d+\n$/);
    const failed = await hearthd.json<ActionResult>('action', ID, 'probe', '--input', 'code=3');
    expect((failed.data as { exitCode: number }).exitCode).toBe(3);
    expect(mountsUnder(join(hearthd.dataDir, 'run', ID)).length).toBe(mountsBefore);
    expect((await containerPids()).sort()).toEqual(procsBefore);
  });

  test('an update keeps the secret and the settings; afterUpdate fires once with both versions, not again at a restart', async () => {
    const secret = token();
    const v11 = await packFixtureVersion('config-e2e', '1.1.0', key, join(work, `${ID}-1.1.0.hpk`), '../supervision/build-images.sh');
    expect(await hearthd.json('update', ID, v11)).toMatchObject({ version: '1.1.0', updatedFrom: '1.0.0' });
    await expect.poll(async () => (await status()).ready, POLL).toBe(true);
    expect(token()).toBe(secret);
    expect(await inDaemon('web', 'cat /run/secrets/token')).toBe(secret);
    expect((await hearthd.json<{ settings: Record<string, unknown> }>('config', 'get', ID)).settings).toEqual({ title: 'Second title', workers: 2 });
    await expect.poll(() => events().filter((e) => e.startsWith('after-update-')).length, POLL).toBe(1);
    expect(event(events().find((e) => e.startsWith('after-update-')) ?? '')).toBe('1.0.0 -> 1.1.0');

    await hearthd.json('restart', ID);
    await expect.poll(async () => (await status()).ready, POLL).toBe(true);
    expect(await inDaemon('web', 'cat /run/secrets/token')).toBe(secret);
    expect(events().filter((e) => e.startsWith('after-update-')).length).toBe(1);
  });

  test('a beforeStop hook that throws is reported, and the service stops all the same', async () => {
    await hearthd.json('stop', ID);
    const stopped = await status();
    expect(stopped.state).toBe('stopped');
    // The runner that held its report is gone with the stop; the service log keeps it.
    expect((await hearthd.cli('logs', ID, '--tail', '50')).stdout).toMatch(/hook beforeStop failed after \d+ ms: .*beforeStop fails on purpose/);
  });
});

/** Regular files under `dir`, at most `depth` levels down. */
function walk(dir: string, depth = 4): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() && depth > 0 ? walk(join(dir, e.name), depth - 1) : e.isFile() ? [join(dir, e.name)] : []));
}
