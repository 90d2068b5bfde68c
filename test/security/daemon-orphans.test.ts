import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DaemonStatus, LogEntry, ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { processTree } from '../support/leftovers.js';
import { keygen, packDir } from '../support/packages.js';
import { FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';
import { SLEEPERS } from '../fixtures/orphans/src/index.js';

const POLL = { timeout: 60_000, interval: 100 };

/** A process as the host sees it; `start` (clock ticks since boot) tells a reused pid apart. */
interface Proc {
  pid: number;
  start: number;
  cmdline: string;
}

function proc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return { pid, start, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() };
  } catch {
    return null; // exited while we looked
  }
}

const sameProcessAlive = (p: Proc): boolean => proc(p.pid)?.start === p.start;

/** The pid a host process has in the container's pid namespace (the one `hearth status` shows). */
function nsPid(pid: number): number | null {
  const line = (existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, 'utf8') : '').split('\n').find((l) => l.startsWith('NSpid:'));
  return line ? Number(line.trim().split(/\s+/).at(-1)) : null;
}

/** The host directory of a process's pids cgroup (a daemon's own: `…/daemon.<id>`). */
function pidsCgroupOf(pid: number): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:pids:/.test(l));
  return join('/sys/fs/cgroup/pids', line?.split(':')[2] ?? '/nonexistent');
}

function procsIn(cgroupDir: string): Proc[] {
  const text = existsSync(cgroupDir) ? readFileSync(join(cgroupDir, 'cgroup.procs'), 'utf8') : '';
  return text.split('\n').filter(Boolean).flatMap((pid) => proc(Number(pid)) ?? []);
}

describe.skipIf(skipUnless({ root: isRoot }))("a daemon's processes end with it, even those that left its process group", () => {
  let work: string;
  let hearthd: TestHearthd;

  const daemon = async (id: string): Promise<DaemonStatus | undefined> => (await hearthd.json<ServiceStatus>('status', 'orphans')).daemons.find((d) => d.id === id);
  /** The host view of a daemon's main process, from the pid `hearth status` shows. */
  const mainProcess = async (id: string): Promise<Proc | null> => {
    const status = await hearthd.json<ServiceStatus>('status', 'orphans');
    const pid = status.daemons.find((d) => d.id === id)?.pid;
    const host = processTree(status.container?.initPid ?? -1).find((p) => nsPid(p) === pid);
    return host === undefined ? null : proc(host);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-orphans-'));
    const key = await keygen(join(work, 'key.pem'));
    const archive = await packDir(join(FIXTURES, 'orphans'), '../supervision/build-images.sh', key, join(work, 'orphans.hpk'));
    hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000));
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    await hearthd.json('start', 'orphans', '--no-wait');
  });

  afterAll(async () => {
    await hearthd?.cli('uninstall', 'orphans', '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("kill -9 of a forking server's master: its setsid worker dies with it, and the restart binds the port again", async () => {
    await expect.poll(async () => (await daemon('web'))?.state, POLL).toBe('ready');
    const restartsBefore = (await daemon('web'))?.restarts ?? 0;
    const master = await mainProcess('web');
    if (master === null) throw new Error('cannot find the web daemon on the host');
    const cgroup = pidsCgroupOf(master.pid);
    expect(cgroup).toMatch(/\/daemon\.web$/);
    const before = procsIn(cgroup);
    const worker = before.find((p) => p.cmdline.startsWith('httpd'));
    expect(worker).toBeDefined();

    process.kill(master.pid, 'SIGKILL');

    await expect.poll(async () => (await daemon('web'))?.restarts ?? 0, POLL).toBeGreaterThan(restartsBefore);
    await expect.poll(async () => (await daemon('web'))?.state, POLL).toBe('ready');
    expect(worker && sameProcessAlive(worker)).toBe(false);
    // Only the new run is in the daemon's cgroup, and its own httpd serves the port.
    const after = procsIn(cgroup);
    expect(after.filter((p) => before.some((b) => b.pid === p.pid && b.start === p.start))).toEqual([]);
    expect(after.some((p) => p.cmdline.startsWith('httpd'))).toBe(true);
    const logs = (await hearthd.cli('logs', 'orphans', '--daemon', 'web', '--json')).stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as LogEntry).line);
    expect(logs.filter((l) => /in use/i.test(l))).toEqual([]);
    // Where the host has the cgroup v1 freezer, the container sees it and the kill froze the cgroup first.
    const runtimeLog = readFileSync(join(hearthd.dataDir, 'logs/orphans/runtime.log'), 'utf8');
    const kills = runtimeLog.split('\n').filter((l) => l.includes('killed what the run left in its cgroup') && l.includes('"daemon":"web"'));
    expect(kills.length).toBeGreaterThan(0);
    if (existsSync('/sys/fs/cgroup/freezer')) expect(kills.at(-1)).toContain('"frozen":true');
    expect((await daemon('web'))?.state).toBe('ready');
    expect((await hearthd.json<{ version: string }>('server')).version).toBe('0.1.0');
  });

  test("a daemon that forks sleepers into their own sessions and crashes: each restart starts from an empty cgroup, not on its predecessors' leftovers", async () => {
    await expect.poll(async () => (await daemon('bomb'))?.restarts ?? 0, POLL).toBeGreaterThanOrEqual(2);
    // A consistent look at one running run: everything in the cgroup started after its main process.
    const snapshot = async (): Promise<{ running: boolean; older: string[]; sleepers: number }> => {
      const main = await mainProcess('bomb');
      if (main === null || !main.cmdline.startsWith('sh -c echo run')) return { running: false, older: [], sleepers: 0 };
      const procs = procsIn(pidsCgroupOf(main.pid));
      return { running: true, older: procs.filter((p) => p.start < main.start).map((p) => `${p.pid} ${p.cmdline}`), sleepers: procs.filter((p) => p.cmdline === 'sleep 1000').length };
    };
    await expect.poll(snapshot, POLL).toEqual({ running: true, older: [], sleepers: SLEEPERS });
    expect((await hearthd.json<{ version: string }>('server')).version).toBe('0.1.0');
  });
});
