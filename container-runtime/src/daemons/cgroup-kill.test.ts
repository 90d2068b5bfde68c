import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CGROUP_KILL_TIMEOUT_MS, killCgroup, type KillSystem } from './cgroup-kill.js';
import { DaemonCgroup } from './cgroup.js';

const RUNTIME_PID = 50;

/**
 * A fake kernel over plain files: SIGKILL removes a pid from every cgroup.procs, unless it is
 * immortal; `forks` makes a killed pid leave a child behind (forked just before the kill landed).
 */
function fakeSystem(procsFiles: string[], opts: { forks?: Map<number, number>; immortal?: number[]; freezerState?: string } = {}) {
  let clock = 0;
  const signalled: { pid: number; freezer: string | null }[] = [];
  const system: KillSystem = {
    kill(pid) {
      signalled.push({ pid, freezer: opts.freezerState ? readFileSync(opts.freezerState, 'utf8') : null });
      if (opts.immortal?.includes(pid)) return;
      const child = opts.forks?.get(pid);
      for (const file of procsFiles) {
        const pids = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && l !== String(pid));
        if (child !== undefined) pids.push(String(child));
        writeFileSync(file, pids.map((p) => `${p}\n`).join(''));
      }
    },
    sleep(ms) {
      clock += ms;
      return Promise.resolve();
    },
    now: () => clock,
    spared: [1, RUNTIME_PID],
  };
  return { system, signalled };
}

describe("killing what is left in a daemon's cgroup (on a fake hierarchy)", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'hearth-cgroup-kill-'));
    for (const controller of ['memory', 'pids', 'cpuacct']) await mkdir(join(root, controller));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const fill = (files: string[], pids: number[]): void => {
    for (const file of files) writeFileSync(file, pids.map((p) => `${p}\n`).join(''));
  };

  test('every process is SIGKILLed, and rounds repeat until none is left, including children forked meanwhile', async () => {
    const cgroup = await DaemonCgroup.create('web', root);
    expect(cgroup.freezerDir).toBeNull();
    fill(cgroup.procsFiles, [10, 11]);
    const { system, signalled } = fakeSystem(cgroup.procsFiles, { forks: new Map([[11, 12]]) });
    const result = await cgroup.killAll(system);
    expect(result).toEqual({ killed: 3, left: [], frozen: false });
    expect(signalled.map((s) => s.pid)).toEqual([10, 11, 12]);
    for (const file of cgroup.procsFiles) expect(readFileSync(file, 'utf8')).toBe('');
  });

  test('with the freezer, every SIGKILL is sent while the cgroup is frozen, and it is thawed after', async () => {
    await mkdir(join(root, 'freezer'));
    const cgroup = await DaemonCgroup.create('web', root);
    expect(cgroup.freezerDir).toBe(join(root, 'freezer/daemon.web'));
    expect(cgroup.procsFiles).toContain(join(root, 'freezer/daemon.web/cgroup.procs'));
    const state = join(root, 'freezer/daemon.web/freezer.state');
    fill(cgroup.procsFiles, [10, 11]);
    const { system, signalled } = fakeSystem(cgroup.procsFiles, { forks: new Map([[10, 13]]), freezerState: state });
    expect(await cgroup.killAll(system)).toEqual({ killed: 3, left: [], frozen: true });
    expect(signalled).toEqual([10, 11, 13].map((pid) => ({ pid, freezer: 'FROZEN' })));
    expect(readFileSync(state, 'utf8')).toBe('THAWED');
  });

  test('a process in only one of its hierarchies (it moved itself out of the others) is killed too', async () => {
    const cgroup = await DaemonCgroup.create('web', root);
    const [memory, ...others] = cgroup.procsFiles;
    fill([memory ?? ''], [20]);
    fill(others, []);
    const { system, signalled } = fakeSystem(cgroup.procsFiles);
    expect((await cgroup.killAll(system)).left).toEqual([]);
    expect(signalled.map((s) => s.pid)).toEqual([20]);
  });

  test('the runtime and init are never signalled, even written into the cgroup, and a cgroup holding the runtime is not frozen', async () => {
    await mkdir(join(root, 'freezer'));
    const cgroup = await DaemonCgroup.create('web', root);
    fill(cgroup.procsFiles, [1, RUNTIME_PID, 30]);
    const state = join(root, 'freezer/daemon.web/freezer.state');
    writeFileSync(state, 'THAWED');
    const { system, signalled } = fakeSystem(cgroup.procsFiles, { freezerState: state });
    const result = await cgroup.killAll(system);
    expect(signalled).toEqual([{ pid: 30, freezer: 'THAWED' }]);
    expect(result).toEqual({ killed: 1, left: [], frozen: false });
  });

  test('a process that will not go (uninterruptible sleep) ends the loop at its deadline, and is reported', async () => {
    const cgroup = await DaemonCgroup.create('web', root);
    fill(cgroup.procsFiles, [40, 41]);
    const { system } = fakeSystem(cgroup.procsFiles, { immortal: [41] });
    const result = await killCgroup({ procsFiles: cgroup.procsFiles, freezerDir: null }, system);
    expect(result.left).toEqual([41]);
    expect(system.now()).toBeGreaterThanOrEqual(CGROUP_KILL_TIMEOUT_MS);
  });

  test('an empty cgroup, or one already removed, needs nothing', async () => {
    const { system, signalled } = fakeSystem([]);
    expect(await killCgroup({ procsFiles: [join(root, 'gone/cgroup.procs')], freezerDir: null }, system)).toEqual({ killed: 0, left: [], frozen: false });
    expect(signalled).toEqual([]);
  });
});
