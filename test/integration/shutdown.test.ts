import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { containerRunning, mountsUnder } from '../support/leftovers.js';
import { packExample, publisherKey } from '../support/packages.js';
import { HEARTHD, HEARTH_CLI, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const PORT_BASE = 21_000 + Math.floor(Math.random() * 900);
const ID = 'hello-world';
/** Far below TestHearthd's own SIGKILL fallback, so a shutdown that hangs fails here. */
const SHUTDOWN_WITHIN_MS = 30_000;

describe.skipIf(skipUnless({ root: isRoot }))('hearthd stops cleanly', () => {
  let work: string;
  let archive: string;
  let key: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-shutdown-'));
    key = await publisherKey(join(work, 'key.pem'));
    archive = await packExample(ID, key, join(work, 'hello-world.hpk'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('SIGTERM with a `hearth logs -f` client attached: hearthd exits, the service is stopped, the base unmounted', async () => {
    await using hearthd = await TestHearthd.start(PORT_BASE);
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    const started = await hearthd.json<ServiceStatus>('start', ID);
    expect(started.ready).toBe(true);
    // Its web server listens: status probes the interface and finds nothing to warn about.
    const status = await hearthd.json<ServiceStatus>('status', ID);
    expect(status.interfaces.length).toBeGreaterThan(0);
    expect(status.interfaces.filter((i) => i.warning !== undefined)).toEqual([]);
    const logs = await hearthd.cli('logs', ID);
    expect(logs.stdout).toMatch(/── hello-world \S+ started by hearth \S+ at \d{4}-\d\d-\d\dT/);
    const follower = execa('node', [HEARTH_CLI, '--socket', hearthd.socket, 'logs', ID, '-f'], { reject: false });
    await sleep(1_000); // the follower is connected and following
    expect(follower.exitCode).toBeNull();

    const pid = hearthd.pid!;
    const began = Date.now();
    process.kill(pid, 'SIGTERM');
    await expect.poll(() => processGone(pid), { timeout: SHUTDOWN_WITHIN_MS, interval: 100 }).toBe(true);
    expect(Date.now() - began).toBeLessThan(SHUTDOWN_WITHIN_MS);
    expect(await containerRunning(join(hearthd.dataDir, 'lxc'), `hearth-${ID}`)).toBe(false);
    expect(mountsUnder(hearthd.dataDir)).toEqual([]);
    const cli = await follower;
    expect(cli.exitCode).not.toBeNull(); // the follower saw hearthd go away instead of hanging
  }, 180_000);

  test('a boot that fails after mounting the base leaves nothing mounted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-bootfail-'));
    await chmod(dir, 0o711); // as TestHearthd: the data dir must be passable
    try {
      const notADir = join(dir, 'file');
      await writeFile(notADir, '');
      // The control socket's folder cannot be made (its parent is a file): boot fails after the base is mounted.
      const result = await execa('node', [HEARTHD, '--data-dir', join(dir, 'data'), '--socket', join(notADir, 'hearthd.sock'), '--port-base', String(PORT_BASE + 50)], {
        reject: false,
        timeout: 60_000,
      });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`cannot make the control socket ${join(notADir, 'hearthd.sock')}`);
      expect(mountsUnder(dir)).toEqual([]);
    } finally {
      for (const mount of mountsUnder(dir).sort((a, b) => b.length - a.length)) await execa('umount', [mount], { reject: false });
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
