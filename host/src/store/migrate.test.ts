import { chmod, chown, lchown, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { shiftOwnership } from './migrate.js';

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
