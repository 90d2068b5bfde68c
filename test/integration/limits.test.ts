import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LogEntry, ServiceStatus, ServiceUsage } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { processTree } from '../support/leftovers.js';
import { keygen, packDir } from '../support/packages.js';
import { FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const POLL = { timeout: 60_000, interval: 200 };

describe.skipIf(skipUnless({ root: isRoot }))('resource limits from the manifest', () => {
  let work: string;
  let hearthd: TestHearthd;
  let initPid: number | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-limits-'));
    const key = await keygen(join(work, 'key.pem'));
    // The limits fixture reuses the supervision fixture's image and its build script.
    const archive = await packDir(join(FIXTURES, 'limits'), '../supervision/build-images.sh', key, join(work, 'limits.hpk'));
    hearthd = await TestHearthd.start(19_600 + Math.floor(Math.random() * 200));
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    initPid = (await hearthd.json<ServiceStatus>('start', 'limits', '--no-wait')).container?.initPid;
  });

  afterAll(async () => {
    await hearthd?.cli('uninstall', 'limits', '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('memory, CPU and pids limits apply to the container and are visible from inside', async () => {
    const lines = async (): Promise<string[]> =>
      (await hearthd.cli('logs', 'limits', '--daemon', 'observer', '--json')).stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as LogEntry).line);
    await expect.poll(async () => (await lines()).length, POLL).toBeGreaterThan(0);
    expect((await lines())[0]).toBe(`memory ${64 * 1024 * 1024} pids 200 quota 50000`);
  });

  test('hearth stats shows what the container uses against the manifest limits', async () => {
    const [usage] = await hearthd.json<ServiceUsage[]>('stats', 'limits');
    expect(usage).toMatchObject({ id: 'limits', memoryLimitBytes: 64 * 1024 * 1024, pidsLimit: 200 });
    expect(usage?.memoryBytes).toBeGreaterThan(1024 * 1024); // at least the runtime
    expect(usage?.memoryBytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(usage?.pids).toBeGreaterThanOrEqual(3); // init, runtime, a daemon
    expect(usage?.cpuSeconds).toBeGreaterThan(0);
    // Per daemon, from its own cgroup inside the container: the observer (a sleep) is counted apart.
    const observer = usage?.daemons.find((d) => d.id === 'observer');
    expect(observer?.pids).toBe(1);
    expect(observer?.memoryBytes).toBeGreaterThan(0);
    expect(observer?.memoryBytes).toBeLessThan(usage?.memoryBytes ?? 0);
    expect(await hearthd.json<ServiceUsage[]>('stats')).toEqual([expect.objectContaining({ id: 'limits' })]);
    const human = await hearthd.cli('stats');
    // No volumes: '-' in the VOLUMES column.
    expect(human.stdout).toMatch(/^SERVICE +MEMORY +MEM LIMIT +MEM % +PIDS +PIDS LIMIT +CPU TIME +VOLUMES\nlimits +[\d.]+ MiB +64\.0 MiB +[\d.]+% +\d+ +200 +[\d.]+ s +-\n$/m);
    expect((await hearthd.cli('stats', 'limits')).stdout).toMatch(/\n\nDAEMON +MEMORY +PIDS +CPU TIME\n(.+\n)*observer +[\d.]+ MiB +1 +[\d.]+ s/);
    const notRunning = await hearthd.cli('--json', 'stats', 'ghost');
    expect(JSON.parse(notRunning.stdout)).toMatchObject({ error: { code: 'PACKAGE_NOT_INSTALLED' } });
  });

  test("daemons, and commands run in them, are the OOM killer's first choice in the container, the runtime is not", async () => {
    const exec = await hearthd.cli('exec', 'limits', '--daemon', 'observer', '--', 'cat', '/proc/self/oom_score_adj');
    expect(exec.stdout.trim()).toBe('1000');
    const adj = (pid: number): number => Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'));
    const cmdline = (pid: number): string => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    const tree = processTree(initPid ?? -1);
    const observer = tree.find((pid) => cmdline(pid).startsWith('sleep 1000'));
    const runtime = tree.find((pid) => cmdline(pid).includes('runtime-loader.cjs'));
    expect(observer && adj(observer)).toBe(1000);
    expect(runtime && adj(runtime)).toBe(0);
  });

  test('a daemon that allocates past the limit is reported failed with "out of memory", and the host is unharmed', async () => {
    await expect.poll(async () => (await hearthd.json<ServiceStatus>('status', 'limits')).daemons.find((d) => d.id === 'hog')?.state, POLL).toBe('failed');
    const status = await hearthd.json<ServiceStatus>('status', 'limits');
    const hog = status.daemons.find((d) => d.id === 'hog');
    expect(hog?.message).toContain("was killed by the kernel: out of memory (the service's limit is 64 MiB)");
    expect(hog?.signal).toBe('SIGKILL');
    // The rest of the service, the container (its runtime never the OOM victim) and hearthd are still there.
    expect(status.daemons.find((d) => d.id === 'observer')?.state).toBe('ready');
    expect(status.container?.initPid).toBe(initPid);
    expect((await hearthd.json<{ version: string }>('server')).version).toBe('0.1.0');
  });
});
