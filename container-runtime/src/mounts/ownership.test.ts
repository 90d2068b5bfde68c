import { lstatSync, statSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { applyVolumeOwner, daemonRunDir, openRunDir } from './ownership.js';

const asRoot = process.getuid?.() === 0;
const app = { uid: 1000, gid: 1001 };

describe.skipIf(!asRoot)('owners of volumes and run dirs (chown needs root)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-owner-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const owner = (path: string): number[] => [statSync(path).uid, statSync(path).gid];

  test('a fresh volume (empty, root’s) is given to the daemon’s user; one with files, or someone else’s, is left as it is', async () => {
    await mkdir(join(dir, 'fresh'));
    expect(await applyVolumeOwner(join(dir, 'fresh'), app, false)).toBe(true);
    expect(owner(join(dir, 'fresh'))).toEqual([1000, 1001]);
    await mkdir(join(dir, 'used'));
    await writeFile(join(dir, 'used', 'PG_VERSION'), '16');
    expect(await applyVolumeOwner(join(dir, 'used'), app, false)).toBe(false);
    expect(owner(join(dir, 'used'))).toEqual([0, 0]);
    await mkdir(join(dir, 'theirs'));
    await chown(join(dir, 'theirs'), 999, 999);
    expect(await applyVolumeOwner(join(dir, 'theirs'), app, false)).toBe(false);
    expect(owner(join(dir, 'theirs'))).toEqual([999, 999]);
  });

  test('a declared owner is applied at every start, files or not, and never recursively', async () => {
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'file'), '');
    expect(await applyVolumeOwner(join(dir, 'data'), app, true)).toBe(true);
    expect(owner(join(dir, 'data'))).toEqual([1000, 1001]);
    expect(owner(join(dir, 'data', 'file'))).toEqual([0, 0]);
  });

  test('a link in place of the directory is not followed: what it points at keeps its owner', async () => {
    await mkdir(join(dir, 'target'));
    await symlink(join(dir, 'target'), join(dir, 'link'));
    await expect(applyVolumeOwner(join(dir, 'link'), app, true)).rejects.toThrow(/ENOTDIR|ELOOP/);
    expect(owner(join(dir, 'target'))).toEqual([0, 0]);
  });

  test('/run becomes 1777; a daemon’s /run/<id> is its user’s, replacing a link another daemon planted there', async () => {
    const run = join(dir, 'run');
    await mkdir(run, { mode: 0o755 });
    await openRunDir(run);
    expect(statSync(run).mode & 0o7777).toBe(0o1777);
    await mkdir(join(dir, 'elsewhere'));
    await symlink(join(dir, 'elsewhere'), join(run, 'web'));
    await daemonRunDir(run, 'web', app);
    expect(lstatSync(join(run, 'web')).isDirectory()).toBe(true);
    expect(owner(join(run, 'web'))).toEqual([1000, 1001]);
    expect(owner(join(dir, 'elsewhere'))).toEqual([0, 0]);
  });
});
