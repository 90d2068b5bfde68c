import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { DaemonStatus, ImageConfig } from '@hearth/sdk/contract';
import { createLogger } from '@hearth/sdk/system';
import { runtimePaths } from '../paths.js';
import { loopbackIdentity } from '../mounts/host-files.js';
import { Daemon } from './daemon.js';
import { DaemonManager } from './manager.js';
import { fakeSystem, spec, type FakeSystem } from './fake-deps.js';

const image: ImageConfig = { entrypoint: null, cmd: ['sh'], env: [], workdir: '/', user: 'root' };
const quiet = createLogger({}, () => true);

describe('a daemon’s life, on fakes', () => {
  let system: FakeSystem;
  const statuses: DaemonStatus[] = [];
  beforeEach(async () => {
    system = await fakeSystem();
    statuses.length = 0;
  });
  afterEach(async () => {
    await system.cleanup();
  });
  const context = () => ({ paths: runtimePaths({ HEARTH_MEDIA_DIR: system.dir }), identity: loopbackIdentity('demo'), deps: system.deps });

  test('a start whose spawn fails removes the cgroup it made and unmounts its root, and says why', async () => {
    system.failSpawn.add('web');
    const daemon = new Daemon(spec('web'), image, { ...context(), checkFunction: () => undefined }, { onStatus: (s) => statuses.push(s), onLog: () => undefined }, quiet);
    await expect(daemon.start()).rejects.toThrow('cannot spawn web');
    expect(system.cgroupsRemoved).toEqual(['web']);
    expect(system.unmounted).toEqual(['web']);
    expect(statuses.at(-1)).toMatchObject({ state: 'failed', message: 'could not start: cannot spawn web' });
  });

  test('a daemon waiting on requirements lists only those still unmet', async () => {
    system.failSpawn.add('b');
    const events = { onStatus: (s: DaemonStatus) => statuses.push(s), onLog: () => undefined };
    const specs = [spec('a'), spec('b'), spec('c', { requires: ['a', 'b'] })];
    const manager = new DaemonManager({ specs, checkFunction: () => undefined, fileRenderer: () => undefined }, new Map([['main', image]]), context(), events, quiet);
    await expect(manager.start()).rejects.toThrow('cannot spawn b');
    await expect.poll(() => manager.statuses().map((s) => [s.id, s.state, s.message])).toEqual([
      ['a', 'ready', undefined],
      ['b', 'failed', 'could not start: cannot spawn b'],
      ['c', 'waiting', 'waiting for b'],
    ]);
    await manager.stop();
  });

  test('a readiness check that cannot run (its function is not in the package) fails the daemon at once and stops it, saying why', async () => {
    const ready = { kind: 'function' as const, ref: 'missing', intervalMs: 60_000, timeoutMs: 100, failureThreshold: 3, gracePeriodMs: 60_000 };
    const daemon = new Daemon(spec('web', { ready }), image, { ...context(), checkFunction: () => undefined }, { onStatus: (s) => statuses.push(s), onLog: () => undefined }, quiet);
    await daemon.start();
    // Within the grace period and before a second attempt: the first one says it can never pass.
    await expect.poll(() => statuses.at(-1)?.state, { timeout: 2_000 }).toBe('failed');
    expect(statuses.at(-1)?.message).toBe('its readiness check cannot run: the package has no check function missing');
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'stopping', 'failed']);
    expect(daemon.active).toBe(false);
    await daemon.stop();
    expect(statuses.at(-1)?.state).toBe('stopped');
  });

  test('its own dir under /run is made for it', async () => {
    const daemon = new Daemon(spec('web'), image, { ...context(), checkFunction: () => undefined }, { onStatus: () => undefined, onLog: () => undefined }, quiet);
    await daemon.start();
    expect(statSync(join(system.dir, 'run', 'web')).isDirectory()).toBe(true);
    await daemon.stop();
  });
});
