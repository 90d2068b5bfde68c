import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { PackageSummary, ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { cgroupsOf, mountsUnder, processAlive, processTree } from '../support/leftovers.js';
import { packExample, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const POLL = { timeout: 30_000, interval: 100 };
const ID = 'hello-world';

describe.skipIf(skipUnless({ root: isRoot }))('crash safety: kill -9 of hearthd and of the runtime', () => {
  let work: string;
  let archive: string;
  let hearthd: TestHearthd;

  const dir = (...parts: string[]): string[] => {
    const path = join(hearthd.dataDir, ...parts);
    return existsSync(path) ? readdirSync(path) : [];
  };
  const status = () => hearthd.json<ServiceStatus>('status', ID);
  /** hearthd dies at the crash point during `action`; then it is started again without it. */
  const crashDuring = async (point: string, action: () => Promise<unknown>): Promise<void> => {
    await hearthd.kill9();
    await hearthd.launch({ HEARTH_CRASH_AT: point });
    await action();
    await hearthd.exited();
    await hearthd.launch();
  };
  /** Ready within the poll timeout; if not, fail with what hearthd logged, to see why. */
  const expectEventuallyReady = async (): Promise<void> => {
    try {
      await expect.poll(async () => (await status()).ready, POLL).toBe(true);
    } catch (error) {
      throw new Error(`not ready: ${JSON.stringify(await status())}\nhearthd log:\n${hearthd.logTail()}`, { cause: error });
    }
  };
  const expectOneContainerRunning = async (): Promise<number> => {
    const s = await status();
    expect(s.container).not.toBeNull();
    const cgroupNames = cgroupsOf(`hearth-${ID}`).map((c) => c.split('/')[1]);
    expect(new Set(cgroupNames.filter((c) => c?.startsWith('lxc.payload.'))).size).toBe(1);
    return s.container!.initPid;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-faults-'));
    const key = await publisherKey(join(work, 'key.pem'));
    archive = await packExample(ID, key, join(work, 'hello-world.hpk'));
    hearthd = await TestHearthd.start(19_800 + Math.floor(Math.random() * 100));
    await hearthd.trust(key);
  });

  afterEach(async () => {
    await hearthd.cli('uninstall', ID, '--purge', '--yes');
  });

  afterAll(async () => {
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test.each(['install:copied', 'install:verified', 'install:committed'])(
    'killed during install at %s: after restart the package is not installed and nothing half-written is left',
    async (point) => {
      await crashDuring(point, () => hearthd.cli('install', archive));
      expect(await hearthd.json<PackageSummary[]>('ls')).toEqual([]);
      expect(dir('packages')).toEqual([]);
      expect(dir('tmp')).toEqual([]);
      const stateFile = join(hearthd.dataDir, 'state.json');
      if (existsSync(stateFile)) expect((JSON.parse(await readFile(stateFile, 'utf8')) as { services: object }).services).toEqual({});
      // And installing again works.
      expect((await hearthd.json<PackageSummary>('install', archive)).id).toBe(ID);
    },
  );

  test('killed right after recording an install: after restart it is installed, whole', async () => {
    await crashDuring('install:recorded', () => hearthd.cli('install', archive));
    expect((await hearthd.json<PackageSummary[]>('ls')).map((p) => p.id)).toEqual([ID]);
    expect((await hearthd.json<ServiceStatus>('start', ID)).ready).toBe(true);
  });

  test.each(['start:recorded', 'start:container-started'])('killed during start at %s: after restart the service runs, in one container', async (point) => {
    await hearthd.json('install', archive);
    await crashDuring(point, () => hearthd.cli('start', ID));
    await expectEventuallyReady();
    await expectOneContainerRunning();
    expect((await fetch((await status()).interfaces[0]!.url)).status).toBe(200);
  });

  test.each(['stop:recorded', 'stop:daemons-stopped'])('killed during stop at %s: after restart the service is stopped and nothing is left', async (point) => {
    await hearthd.json('install', archive);
    const initPid = (await hearthd.json<ServiceStatus>('start', ID)).container!.initPid;
    const tree = processTree(initPid);
    await crashDuring(point, () => hearthd.cli('stop', ID));
    expect((await status()).state).toBe('stopped');
    await expect.poll(() => tree.filter(processAlive), POLL).toEqual([]);
    // The new hearthd sweeps what the killed stop left after it starts answering: wait for it.
    await expect.poll(() => mountsUnder(join(hearthd.dataDir, 'run')), POLL).toEqual([]);
    await expect.poll(() => dir('run'), POLL).toEqual([]);
  });

  test('killed during a restart, between its daemons stopping and starting: after restart the service runs again, in a new container', async () => {
    await hearthd.json('install', archive);
    const before = (await hearthd.json<ServiceStatus>('start', ID)).container!.initPid;
    await crashDuring('restart:daemons-stopped', () => hearthd.cli('restart', ID));
    await expectEventuallyReady();
    expect(await expectOneContainerRunning()).not.toBe(before);
    expect(processAlive(before)).toBe(false);
    expect((await fetch((await status()).interfaces[0]!.url)).status).toBe(200);
  });

  test('hearthd killed while a service runs: the new hearthd adopts the same container instead of starting another', async () => {
    await hearthd.json('install', archive);
    const before = (await hearthd.json<ServiceStatus>('start', ID)).container!.initPid;
    await hearthd.kill9();
    expect(processAlive(before)).toBe(true); // the service outlives hearthd
    await hearthd.launch();
    await expect.poll(async () => (await status()).ready, POLL).toBe(true);
    expect(await expectOneContainerRunning()).toBe(before);
    expect(hearthd.log).toContain('adopted a running container');
    expect((await fetch((await status()).interfaces[0]!.url)).status).toBe(200);
  });

  test('the runtime killed with SIGKILL: the container is restarted after a backoff and the service is running again', async () => {
    await hearthd.json('install', archive);
    const before = (await hearthd.json<ServiceStatus>('start', ID)).container!.initPid;
    const runtime = processTree(before).find((pid) => pid !== before);
    process.kill(runtime!, 'SIGKILL');
    await expect.poll(async () => (await status()).state, POLL).not.toBe('running');
    await expect.poll(async () => {
      const s = await status();
      return s.ready && s.container?.initPid !== before;
    }, POLL).toBe(true);
    expect(hearthd.log).toContain('restarting the service after a failure');
    expect(processAlive(before)).toBe(false);
  });
});
