import { chmod, chown, lchown, lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createLogger } from '../log.js';
import { layoutOf } from '../layout.js';
import { FORMAT_FILE, migrateDataDir, shiftOwnership } from './migrate.js';

const isRoot = process.getuid?.() === 0;
// npm test (HEARTH_REQUIRE_ALL=1) fails instead of skipping; a developer without root skips (test/support/require.ts).
if (!isRoot && process.env.HEARTH_REQUIRE_ALL === '1') throw new Error('these tests need root (HEARTH_REQUIRE_ALL is set, so they fail instead of being skipped)');
let dir: string;
let outside: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-shift-'));
  outside = join(dir, 'outside');
  await writeFile(outside, 'host file');
  await mkdir(join(dir, 'volume', 'sub'), { recursive: true });
  await writeFile(join(dir, 'volume', 'setuid'), 'x');
  await chmod(join(dir, 'volume', 'setuid'), 0o4755);
  await writeFile(join(dir, 'volume', 'sub', 'owned-by-1000'), 'x');
  await chown(join(dir, 'volume', 'sub', 'owned-by-1000'), 1000, 1000);
  await symlink(outside, join(dir, 'volume', 'link-out'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const owner = async (...parts: string[]): Promise<string> => {
  const info = await lstat(join(dir, 'volume', ...parts));
  return `${info.uid}:${info.gid}:${(info.mode & 0o7777).toString(8)}`;
};

test.skipIf(!isRoot)('shifting a volume moves every id into the container range, keeps setuid bits, never follows a link out', async () => {
  expect(await shiftOwnership(join(dir, 'volume'), 100_000, 0)).toBe(5);
  expect(await owner('setuid')).toBe('100000:100000:4755');
  expect(await owner('sub', 'owned-by-1000')).toBe('101000:101000:644');
  expect((await lstat(join(dir, 'volume', 'link-out'))).uid).toBe(100_000);
  expect((await lstat(outside)).uid).toBe(0);
});

test.skipIf(!isRoot)('shifting again changes nothing (an interrupted migration resumes), and shifting back restores format 1', async () => {
  await shiftOwnership(join(dir, 'volume'), 100_000, 0);
  expect(await shiftOwnership(join(dir, 'volume'), 100_000, 0)).toBe(0);
  await lchown(join(dir, 'volume', 'link-out'), 0, 0); // as if the first run stopped before this entry
  expect(await shiftOwnership(join(dir, 'volume'), 100_000, 0)).toBe(1);
  await shiftOwnership(join(dir, 'volume'), -100_000, 100_000);
  expect(await owner('setuid')).toBe('0:0:4755');
  expect(await owner('sub', 'owned-by-1000')).toBe('1000:1000:644');
});

test.skipIf(!isRoot)('a migration that fails part way leaves every volume in format 1 and says why; started again once fixed, it completes', async () => {
  // A format 1 data dir: a state file, two services' volumes with host-root files, one of them
  // holding a file that cannot change owner (immutable: as on a filesystem that refuses chown).
  const data = join(dir, 'data');
  const layout = layoutOf(data);
  await mkdir(data);
  await writeFile(layout.stateFile, `${JSON.stringify({ format: 'hearth-state-v1', services: {}, trusted: {} })}\n`);
  for (const service of ['a', 'b']) {
    await mkdir(join(layout.volumesDir, service, 'data', 'sub'), { recursive: true });
    await writeFile(join(layout.volumesDir, service, 'data', 'setuid'), 'x');
    await chmod(join(layout.volumesDir, service, 'data', 'setuid'), 0o4755);
    await writeFile(join(layout.volumesDir, service, 'data', 'sub', 'stuck'), 'x');
  }
  const stuck = join(layout.volumesDir, 'b', 'data', 'sub', 'stuck');
  await execa('chattr', ['+i', stuck]);
  const ownersOf = async (): Promise<string[]> =>
    await Promise.all(
      ['a', 'b'].flatMap((service) => ['', 'setuid', 'sub', 'sub/stuck'].map((name) => join(layout.volumesDir, service, 'data', name))).map(async (path) => {
        const info = await lstat(path);
        return `${path.slice(data.length)} ${info.uid}:${info.gid}:${(info.mode & 0o7777).toString(8)}`;
      }),
    );
  const before = await ownersOf();
  const lines: string[] = [];
  const logger = createLogger({}, (line) => lines.push(line));
  try {
    await expect(migrateDataDir(layout, logger)).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/^migrating .* from format 1 to 2 failed: .*EPERM.*; it is left in format 1$/) as unknown,
      hint: expect.stringContaining('start hearthd again: it resumes') as unknown,
    });
    expect(await ownersOf()).toEqual(before);
    await expect(readFile(join(data, FORMAT_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  } finally {
    await execa('chattr', ['-i', stuck]);
  }
  await migrateDataDir(layout, logger);
  expect(JSON.parse(await readFile(join(data, FORMAT_FILE), 'utf8'))).toEqual({ format: 2 });
  expect((await ownersOf()).map((line) => line.split(' ')[1])).toEqual(before.map((line) => `100000:100000:${line.split(':').at(-1) ?? ''}`));
});
