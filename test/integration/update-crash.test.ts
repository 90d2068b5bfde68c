import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { containerRunning, mountsUnder, processAlive, processTree } from '../support/leftovers.js';
import { packExample, packVersion, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const POLL = { timeout: 60_000, interval: 200 };
const ID = 'hello-world';
const NOTE = 'written before the update\n';
const CALL_TIMEOUT_MS = 60_000;

interface StateFile {
  services: Record<string, { version: string; installDir?: string; desired: string; previous?: unknown }>;
}

/**
 * Each step of an update of a running service, in order, and the version that must run after
 * hearthd is killed there and started again: before the new version is recorded the update never
 * happened; from then on boot finishes it.
 */
const POINTS: [string, '1.0.0' | '1.1.0'][] = [
  ['update:old-stopped', '1.0.0'],
  ['install:committed', '1.0.0'],
  ['install:recorded', '1.1.0'],
  ['update:recorded', '1.1.0'],
  ['start:runtime-connected', '1.1.0'],
  ['update:new-started', '1.1.0'],
  ['update:ready-recorded', '1.1.0'],
];

describe.skipIf(skipUnless({ root: isRoot }))('crash safety of updates: hearthd killed at each step of an update of a running service', () => {
  let work: string;
  let hearthd: TestHearthd;
  let v10: string;
  let v11: string;
  let broken: string;
  /** Where the running test is, printed when it fails (a hang names no line). */
  let step = '';
  /** Processes of the containers seen running, which must all be gone once the test uninstalls. */
  const containerProcesses: number[] = [];

  const state = (): StateFile => JSON.parse(readFileSync(join(hearthd.dataDir, 'state.json'), 'utf8')) as StateFile;
  const packageDirs = (): string[] => readdirSync(join(hearthd.dataDir, 'packages', ID));
  const status = () => hearthd.json<ServiceStatus>('status', ID);

  /** hearthd dies at `point` during `action`; then it is started again without it, on the same data dir. */
  const crashDuring = async (point: string, action: () => Promise<{ exitCode: number; stdout: string }>): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    step = 'kill9';
    await hearthd.kill9();
    step = 'launch with crash point';
    await hearthd.launch({ HEARTH_CRASH_AT: point });
    step = 'the call';
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the call hung at ${point}; hearthd log:\n${hearthd.logTail()}`)), CALL_TIMEOUT_MS);
    });
    const result = await Promise.race([action(), hung]).finally(() => clearTimeout(timer));
    // The CLI loses hearthd mid-call; a call that answered means the crash point was never reached.
    if (result.exitCode === 0) throw new Error(`hearthd did not die at ${point}: ${result.stdout}\nhearthd log:\n${hearthd.log.split('\n').slice(-30).join('\n')}`);
    step = 'waiting for hearthd to exit';
    await hearthd.exited();
    step = 'relaunch';
    await hearthd.launch();
    step = 'converging';
  };

  /** Version 1.0.0 running, ready, with a file in its volume. */
  const runOldVersion = async (): Promise<void> => {
    step = 'install and start the old version';
    await hearthd.json('install', v10);
    const started = await hearthd.json<ServiceStatus>('start', ID);
    expect(started.ready).toBe(true);
    containerProcesses.push(...processTree(started.container!.initPid));
    const note = join(work, 'note.txt');
    await writeFile(note, NOTE);
    await hearthd.json('cp', '--volume', 'data', note, `${ID}:/note.txt`);
  };

  /** Converged: `version` runs and is ready, recorded alone (no update pending), its files the only ones, the volume intact, one container. */
  const expectConvergedOn = async (version: string): Promise<void> => {
    const converged = async (): Promise<boolean> => {
      const s = await status();
      const record = state().services[ID];
      return s.ready && s.version === version && record?.previous === undefined && packageDirs().length === 1;
    };
    try {
      await expect.poll(converged, POLL).toBe(true);
    } catch (error) {
      throw new Error(`not converged on ${version}: ${JSON.stringify(await status())}\nstate: ${JSON.stringify(state())}\ndirs: ${packageDirs().join(', ')}\nhearthd log:\n${hearthd.log.split('\n').slice(-30).join('\n')}`, { cause: error });
    }
    step = 'checking the converged service';
    const record = state().services[ID]!;
    expect(record).toMatchObject({ version, desired: 'running' });
    expect(packageDirs()).toEqual([record.installDir]);
    expect(packageDirs()[0]).toMatch(new RegExp(`^${version.replaceAll('.', '\\.')}-`));
    expect(readFileSync(join(hearthd.dataDir, 'volumes', ID, 'data', 'note.txt'), 'utf8')).toBe(NOTE);
    // No pre-update volume snapshot is left: dropped once the update stood, swept at boot if it never got recorded.
    expect(readdirSync(join(hearthd.dataDir, 'volumes', ID))).toEqual(['data']);
    const s = await status();
    step = 'fetching the page';
    expect((await fetch(s.interfaces[0]!.url, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })).status).toBe(200);
    step = 'checking leftovers';
    // One container: the one status names (cgroup names are not ours alone; other hearthds run hello-world too).
    expect(await containerRunning(join(hearthd.dataDir, 'lxc'), `hearth-${ID}`)).toBe(true);
    expect(s.container).not.toBeNull();
    containerProcesses.push(...processTree(s.container!.initPid));
    // Mounts only of the running service's own run dir; nothing staged or half-removed.
    expect(mountsUnder(join(hearthd.dataDir, 'run')).every((m) => m.startsWith(join(hearthd.dataDir, 'run', ID, '/')))).toBe(true);
    expect(existsSync(join(hearthd.dataDir, 'tmp')) ? readdirSync(join(hearthd.dataDir, 'tmp')) : []).toEqual([]);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-update-crash-'));
    const key = await publisherKey(join(work, 'key.pem'));
    v10 = await packExample(ID, key, join(work, 'hello-world-1.0.0.hpk'));
    v11 = await packVersion(ID, '1.1.0', key, join(work, 'hello-world-1.1.0.hpk'));
    broken = await packVersion(ID, '1.3.0', key, join(work, 'hello-world-1.3.0.hpk'), 'build-image.sh', (source) =>
      source.replace(/command: \[[^\]]*\]/, `command: ['sh', '-c', 'echo migrated by 1.3.0 > /data/note.txt; echo this release is broken; exit 1'], restart: { mode: 'never' }`),
    );
    hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000));
    await hearthd.trust(key);
  }, 600_000);

  // Uninstalled after each test, and nothing of it may be left: container, cgroups, mounts, files.
  afterEach(async (context) => {
    hearthd.reportFailure(context, step);
    await hearthd.cli('uninstall', ID, '--purge', '--yes');
    expect(await containerRunning(join(hearthd.dataDir, 'lxc'), `hearth-${ID}`)).toBe(false);
    await expect.poll(() => containerProcesses.filter(processAlive), POLL).toEqual([]);
    containerProcesses.length = 0;
    expect(mountsUnder(join(hearthd.dataDir, 'run'))).toEqual([]);
    expect(existsSync(join(hearthd.dataDir, 'packages', ID))).toBe(false);
  });

  afterAll(async () => {
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test.each(POINTS)('killed at %s: after restart exactly %s runs, ready, recorded alone, and the volume is intact', async (point, version) => {
    await runOldVersion();
    await crashDuring(point, () => hearthd.cli('update', ID, v11));
    await expectConvergedOn(version);
    if (point === 'start:runtime-connected') expect(hearthd.log).toMatch(/adopted a running container.*"phase":"loaded"/);
  });

  test('killed after a broken new version that rewrote the volume was started: after restart boot rolls back code and data to the old version, which runs', async () => {
    await runOldVersion();
    await crashDuring('update:new-started', () => hearthd.cli('update', ID, broken));
    await expectConvergedOn('1.0.0');
    expect(hearthd.log).toContain('the interrupted update failed');
    expect(hearthd.log).toContain('UPDATE_FAILED');
    expect(hearthd.log).toContain('code and data restored');
    // It failed while no hearthd listened: its last lines come with its failed state, into the error.
    expect(hearthd.log).toMatch(/"the interrupted update failed".*this release is broken/);
  });
});
