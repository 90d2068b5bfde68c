import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { clearSharedDirs } from './shared-dirs.js';

let base: string;
let dirs: { runDir: string; shmDir: string };
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'hearth-shared-'));
  dirs = { runDir: join(base, 'run'), shmDir: join(base, 'shm') };
  await mkdir(join(dirs.runDir, 'secrets'), { recursive: true });
  await mkdir(dirs.shmDir);
});
afterEach(() => rm(base, { recursive: true, force: true }));

test('what daemons left in /run and /dev/shm goes; the secrets mount point stays', async () => {
  await mkdir(join(dirs.runDir, 'postgresql'));
  await writeFile(join(dirs.runDir, 'postgresql', '.s.PGSQL.5432.lock'), '42\n');
  await writeFile(join(dirs.runDir, 'nginx.pid'), '7\n');
  await writeFile(join(dirs.shmDir, 'PostgreSQL.1804289383'), 'x');
  const outside = join(base, 'outside');
  await writeFile(outside, 'kept');
  await symlink(outside, join(dirs.runDir, 'link')); // the link goes, never what it points at

  expect(await clearSharedDirs(dirs)).toEqual([]);
  expect(await readdir(dirs.runDir)).toEqual(['secrets']);
  expect(await readdir(dirs.shmDir)).toEqual([]);
  expect(existsSync(outside)).toBe(true);
});

test('dirs that do not exist are nothing to clear', async () => {
  expect(await clearSharedDirs({ runDir: join(base, 'none'), shmDir: join(base, 'none2') })).toEqual([]);
});
