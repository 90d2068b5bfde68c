import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { PackageSummary, ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { cgroupsOf, containerRunning, hostUid, mountsUnder, processAlive, processTree } from '../support/leftovers.js';
import { claimedKeyOf, fingerprintOf, keygen, packExample, packVersion, publisherKey, withClaimedKey, withFlippedByte } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';
import { exchange, request } from '../support/rpc.js';

const PORT_BASE = 18_400 + Math.floor(Math.random() * 500);

describe.skipIf(skipUnless({ root: isRoot }))('hello-world end to end, through the CLI', () => {
  let work: string;
  let hearthd: TestHearthd;
  let archive: string;
  let otherKeyArchive: string;
  let key: string;
  let otherKey: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-e2e-'));
    key = await publisherKey(join(work, 'publisher.pem'));
    otherKey = await keygen(join(work, 'other.pem'));
    archive = await packExample('hello-world', key, join(work, 'hello-world.hpk'));
    otherKeyArchive = await packExample('hello-world', otherKey, join(work, 'hello-world-other.hpk'));
    hearthd = await TestHearthd.start(PORT_BASE);
    await hearthd.trust(key);
  });

  // Each test starts from nothing installed, whatever the one before it left after a failure.
  afterEach(async () => {
    await hearthd.cli('uninstall', 'hello-world', '--purge', '--yes');
  });

  afterAll(async () => {
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('pack → install → start → ready → the page is served on the host port → stop → uninstall leaves nothing behind', async () => {
    const installed = await hearthd.json<PackageSummary>('install', archive);
    expect(installed).toMatchObject({ id: 'hello-world', version: '1.0.0' });

    const status = await hearthd.json<ServiceStatus>('start', 'hello-world');
    expect(status.state).toBe('running');
    expect(status.ready).toBe(true);
    expect(status.daemons).toEqual([expect.objectContaining({ id: 'web', state: 'ready' })]);
    const web = status.interfaces.find((i) => i.id === 'web');
    expect(web?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const response = await fetch(web!.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Hello from hearth');

    // The container is unprivileged: every process in it is an unprivileged uid on the host.
    const initPid = status.container!.initPid;
    const tree = processTree(initPid);
    expect(tree.length).toBeGreaterThanOrEqual(3); // init.lxc, the runtime, httpd
    for (const pid of tree) expect(hostUid(pid)).toBeGreaterThanOrEqual(100_000);

    const runDir = join(hearthd.dataDir, 'run', 'hello-world');
    expect(mountsUnder(runDir).length).toBeGreaterThan(0);

    const stopped = await hearthd.json<ServiceStatus>('stop', 'hello-world');
    expect(stopped.state).toBe('stopped');
    await expect(fetch(web!.url)).rejects.toThrow();

    await hearthd.json('uninstall', 'hello-world');
    expect(await containerRunning(join(hearthd.dataDir, 'lxc'), 'hearth-hello-world')).toBe(false);
    expect(cgroupsOf('hearth-hello-world')).toEqual([]);
    expect(mountsUnder(join(hearthd.dataDir, 'run'))).toEqual([]);
    expect(tree.filter(processAlive)).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
    expect(readdirSync(join(hearthd.dataDir, 'packages'))).toEqual([]);
    expect(await hearthd.json<PackageSummary[]>('ls')).toEqual([]);
    // Volumes are kept by a plain uninstall.
    expect(existsSync(join(hearthd.dataDir, 'volumes', 'hello-world', 'data'))).toBe(true);
  });

  test('exec runs in the daemon and exits with its code; cp copies files in and out; restart comes back ready', async () => {
    await hearthd.json('install', archive);
    const { interfaces } = await hearthd.json<ServiceStatus>('start', 'hello-world');
    const url = interfaces[0]!.url;

    const cat = await hearthd.cli('exec', 'hello-world', '--', 'cat', '/www/index.html');
    expect(cat.exitCode).toBe(0);
    expect(cat.stdout).toContain('Hello from hearth');
    const fails = await hearthd.cli('exec', 'hello-world', '--daemon', 'web', '--', 'sh', '-c', 'echo oops >&2; exit 7');
    expect(fails).toMatchObject({ exitCode: 7, stderr: 'oops' });

    const page = join(work, 'extra.html');
    await writeFile(page, '<p>copied in</p>\n');
    expect((await hearthd.cli('cp', page, 'hello-world:/www/extra.html')).exitCode).toBe(0);
    expect(await (await fetch(`${url}extra.html`)).text()).toBe('<p>copied in</p>\n');
    const back = join(work, 'back.html');
    expect((await hearthd.cli('cp', 'hello-world:/www/extra.html', back)).exitCode).toBe(0);
    expect(readFileSync(back, 'utf8')).toBe('<p>copied in</p>\n');
    expect((await hearthd.cli('cp', '--volume', 'data', page, 'hello-world:/kept.html')).exitCode).toBe(0);
    expect(readFileSync(join(hearthd.dataDir, 'volumes', 'hello-world', 'data', 'kept.html'), 'utf8')).toBe('<p>copied in</p>\n');
    const escape = await hearthd.cli('cp', '--volume', 'nope', page, 'hello-world:/x');
    expect(escape.exitCode).toBe(2);
    expect(escape.stderr).toContain('hello-world has no volume "nope"');

    const before = (await hearthd.json<ServiceStatus>('status', 'hello-world')).container?.initPid;
    // What a daemon leaves in the container's shared /run and /dev/shm (a pid or lock file) does not outlive it.
    expect((await hearthd.cli('exec', 'hello-world', '--', 'sh', '-c', 'echo 1 > /run/stale.pid && echo 1 > /dev/shm/stale')).exitCode).toBe(0);
    const restarted = await hearthd.json<ServiceStatus>('restart', 'hello-world');
    expect(restarted).toMatchObject({ state: 'running', ready: true });
    // In place: the same container, only its daemons stopped and started.
    expect(restarted.container?.initPid).toBe(before);
    expect(Object.keys(restarted.stepsMs ?? {})).toEqual(['stop', 'daemons', 'ready']);
    expect((await fetch(url)).status).toBe(200);
    // The overlay is scratch: what was copied into the daemon's filesystem is gone; the volume keeps its file.
    expect((await fetch(`${url}extra.html`)).status).toBe(404);
    expect(existsSync(join(hearthd.dataDir, 'volumes', 'hello-world', 'data', 'kept.html'))).toBe(true);
    expect((await hearthd.cli('exec', 'hello-world', '--', 'ls', '/run', '/dev/shm')).stdout).not.toContain('stale');
    // --full: a new container.
    const full = await hearthd.json<ServiceStatus>('restart', 'hello-world', '--full');
    expect(full).toMatchObject({ state: 'running', ready: true });
    expect(full.container?.initPid).not.toBe(before);
    expect(Object.keys(full.stepsMs ?? {})).toContain('container');
    expect((await fetch(url)).status).toBe(200);

    await hearthd.json('stop', 'hello-world');
    const notRunning = await hearthd.cli('exec', 'hello-world', '--', 'true');
    expect(notRunning.exitCode).toBe(1);
    expect(notRunning.stderr).toContain('hello-world is not running');
    expect(existsSync(join(hearthd.dataDir, 'logs', 'hello-world'))).toBe(true);
    await hearthd.json('uninstall', 'hello-world', '--purge', '--yes');
    expect(existsSync(join(hearthd.dataDir, 'volumes', 'hello-world'))).toBe(false);
    expect(existsSync(join(hearthd.dataDir, 'logs', 'hello-world'))).toBe(false);
  });

  describe('publisher trust and updates', () => {
    test('a package signed by a key the host does not trust is refused with the command that trusts it', async () => {
      const result = await hearthd.cli('--json', 'install', otherKeyArchive);
      expect(result.exitCode).toBe(1);
      const { error } = JSON.parse(result.stdout) as { error: { code: string; hint: string } };
      expect(error.code).toBe('UNTRUSTED_SIGNER');
      expect(error.hint).toMatch(/hearth trust add [A-Za-z0-9+/=]{44}/);
      expect(await hearthd.json<PackageSummary[]>('ls')).toEqual([]);
      expect((await hearthd.json<PackageSummary>('install', otherKeyArchive, '--allow-untrusted')).id).toBe('hello-world');
    });

    test('an update to 1.1.0 by the same publisher replaces the package, keeps the volume and restarts the running service', async () => {
      const v11 = await packVersion('hello-world', '1.1.0', key, join(work, 'hello-world-1.1.0.hpk'));
      await hearthd.json('install', archive);
      await hearthd.json('start', 'hello-world');
      const note = join(work, 'note.txt');
      await writeFile(note, 'kept\n');
      await hearthd.json('cp', '--volume', 'data', note, 'hello-world:/note.txt');

      const updated = await hearthd.json<PackageSummary>('update', 'hello-world', v11);
      expect(updated).toMatchObject({ id: 'hello-world', version: '1.1.0', updatedFrom: '1.0.0' });
      await expect.poll(async () => (await hearthd.json<ServiceStatus>('status', 'hello-world')).ready, { timeout: 30_000 }).toBe(true);
      const status = await hearthd.json<ServiceStatus>('status', 'hello-world');
      expect(status.version).toBe('1.1.0');
      expect((await fetch(status.interfaces[0]!.url)).status).toBe(200);
      expect(readFileSync(join(hearthd.dataDir, 'volumes', 'hello-world', 'data', 'note.txt'), 'utf8')).toBe('kept\n');
      // Only the new version's files remain.
      expect(readdirSync(join(hearthd.dataDir, 'packages', 'hello-world'))).toHaveLength(1);

      const again = await hearthd.cli('--json', 'install', v11);
      expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'PACKAGE_ALREADY_INSTALLED' } });
    });

    test('an update whose new version never becomes ready is rolled back: the old version runs again', async () => {
      const broken = await packVersion('hello-world', '1.3.0', key, join(work, 'hello-world-1.3.0.hpk'), 'build-image.sh', (source) =>
        source.replace(/command: \[[^\]]*\]/, `command: ['sh', '-c', 'echo this release is broken; exit 1'], restart: { mode: 'never' }`),
      );
      await hearthd.json('install', archive);
      await hearthd.json('start', 'hello-world');

      const result = await hearthd.cli('--json', 'update', 'hello-world', broken);
      expect(result.exitCode).toBe(1);
      const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string; hint: string } };
      expect(error.code).toBe('UPDATE_FAILED');
      expect(error.message).toMatch(/^hello-world 1\.3\.0 did not become ready \(.*exited with code 1.*\); rolled back to 1\.0\.0, code and data restored: the volumes are as they were before the update; it is starting again$/);
      expect(error.hint).toBe('see `hearth logs hello-world`');

      await expect.poll(async () => (await hearthd.json<ServiceStatus>('status', 'hello-world')).ready, { timeout: 30_000 }).toBe(true);
      const status = await hearthd.json<ServiceStatus>('status', 'hello-world');
      expect(status.version).toBe('1.0.0');
      expect((await fetch(status.interfaces[0]!.url)).status).toBe(200);
      expect(readdirSync(join(hearthd.dataDir, 'packages', 'hello-world'))).toHaveLength(1);
      expect((await hearthd.cli('logs', 'hello-world')).stdout).toContain('this release is broken');
    });

    test('a dependency must be installed first, and cannot be uninstalled, or updated out of its range, while a package that depends on it is installed', async () => {
      const friend = await packVersion('hello-world', '1.0.1', key, join(work, 'hello-friend.hpk'), 'build-image.sh', (source) =>
        source.replace("id: 'hello-world'", "id: 'hello-friend'").replace("license: 'MIT',", "license: 'MIT',\n  dependencies: { 'hello-world': { version: '^1.0.0' } },"),
      );
      try {
        const missing = await hearthd.cli('--json', 'install', friend);
        expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'DEPENDENCY_MISSING', message: 'hello-friend needs hello-world ^1.0.0, but hello-world is not installed' } });
        await hearthd.json('install', archive);
        expect(await hearthd.json<PackageSummary>('install', friend)).toMatchObject({ id: 'hello-friend' });

        const inUse = await hearthd.cli('--json', 'uninstall', 'hello-world');
        expect(inUse.exitCode).toBe(1);
        expect(JSON.parse(inUse.stdout)).toMatchObject({ error: { code: 'PACKAGE_IN_USE', message: 'hello-friend depends on hello-world, so it stays installed' } });
        expect((await hearthd.json<PackageSummary[]>('ls')).map((p) => p.id)).toEqual(['hello-friend', 'hello-world']);

        const major = await packVersion('hello-world', '2.0.0', key, join(work, 'hello-world-2.0.0.hpk'));
        const breaking = await hearthd.cli('--json', 'update', 'hello-world', major);
        expect(JSON.parse(breaking.stdout)).toMatchObject({ error: { code: 'PACKAGE_IN_USE', message: 'hello-friend needs hello-world ^1.0.0, which 2.0.0 is not' } });
        expect((await hearthd.json<ServiceStatus>('status', 'hello-world')).version).toBe('1.0.0');
      } finally {
        await hearthd.cli('uninstall', 'hello-friend', '--purge', '--yes');
      }
    });

    test('an update signed by another key is refused, even when that key is trusted', async () => {
      await hearthd.json('install', archive);
      await hearthd.trust(otherKey);
      const result = await hearthd.cli('--json', 'update', 'hello-world', await packVersion('hello-world', '1.2.0', otherKey, join(work, 'other-1.2.0.hpk')));
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'SIGNER_CHANGED' } });
      expect((await hearthd.json<ServiceStatus>('status', 'hello-world')).version).toBe('1.0.0');
      await hearthd.json('trust', 'remove', await fingerprintOf(otherKey));
    });

    test('a valid archive of another package under the expected name is refused as PACKAGE_ID_MISMATCH', async () => {
      const result = await hearthd.cli('--json', 'update', 'other-app', archive);
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'PACKAGE_ID_MISMATCH' } });
      expect(await hearthd.json<PackageSummary[]>('ls')).toEqual([]);
    });
  });

  describe('bad input gets a clear error and changes nothing', () => {
    const expectNothingInstalled = async (): Promise<void> => {
      expect(await hearthd.json<PackageSummary[]>('list')).toEqual([]);
      expect(existsSync(join(hearthd.dataDir, 'packages')) ? readdirSync(join(hearthd.dataDir, 'packages')) : []).toEqual([]);
      expect(existsSync(join(hearthd.dataDir, 'tmp')) ? readdirSync(join(hearthd.dataDir, 'tmp')) : []).toEqual([]);
    };

    test('a file that is not an .hpk is refused as ARCHIVE_NOT_HPK, naming that file', async () => {
      const notHpk = join(work, 'notes.txt');
      await writeFile(notHpk, 'just some text, not a package\n'.repeat(100));
      const result = await hearthd.cli('--json', 'install', notHpk);
      expect(result.exitCode).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'ARCHIVE_NOT_HPK' } });
      const human = await hearthd.cli('install', notHpk);
      expect(human.stderr).toContain(`hearth: ${notHpk} is not an .hpk`);
      expect(human.stderr).toMatch(/\n {2}hint: /);
      await expectNothingInstalled();
    });

    test('an archive with one flipped byte in its image is refused as ARCHIVE_DIGEST_MISMATCH', async () => {
      const corrupt = await withFlippedByte(archive, join(work, 'flipped.hpk'), -2048);
      const result = await hearthd.cli('--json', 'install', corrupt);
      expect(result.exitCode).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'ARCHIVE_DIGEST_MISMATCH' } });
      await expectNothingInstalled();
    });

    test('an archive signed by another key than its signature.json claims is refused as ARCHIVE_BAD_SIGNATURE', async () => {
      const forged = await withClaimedKey(otherKeyArchive, await claimedKeyOf(archive), join(work, 'forged.hpk'));
      const result = await hearthd.cli('--json', 'install', forged);
      expect(result.exitCode).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'ARCHIVE_BAD_SIGNATURE' } });
      await expectNothingInstalled();
    });

    test('starting a service that is not installed names it and exits 3', async () => {
      const result = await hearthd.cli('start', 'no-such-service');
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toContain('no package "no-such-service" is installed');
      expect(result.stderr).toContain('hint:');
    });

    test('an unknown RPC method gets METHOD_NOT_FOUND with the known methods, and hearthd keeps serving', async () => {
      const [reply] = await exchange(hearthd.socket, request(7, 'package.explode', {}), 1);
      expect(reply).toMatchObject({ id: 7, error: { code: -32601, data: { code: 'METHOD_NOT_FOUND' } } });
      expect((reply as { error: { data: { hint: string } } }).error.data.hint).toContain('package.install');
      expect(await hearthd.json<PackageSummary[]>('list')).toEqual([]);
    });
  });
});
