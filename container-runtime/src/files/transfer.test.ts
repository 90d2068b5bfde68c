import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { inside } from './transfer.js';

describe('a path inside a daemon root, symlinks followed as the daemon sees them', () => {
  let outer: string;
  let root: string;

  beforeEach(async () => {
    outer = await mkdtemp(join(tmpdir(), 'hearth-inside-'));
    root = join(outer, 'root');
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'var/www'), { recursive: true });
    await writeFile(join(outer, 'secret'), 'outside the root\n');
  });
  afterEach(async () => {
    await rm(outer, { recursive: true, force: true });
  });

  test('a plain path, existing or not, stays under the root; .. stops at the root', async () => {
    expect(await inside(root, '/etc/app.conf')).toBe(join(root, 'etc/app.conf'));
    expect(await inside(root, '/new/dir/file')).toBe(join(root, 'new/dir/file'));
    expect(await inside(root, '/../../secret')).toBe(join(root, 'secret'));
  });

  test('an absolute symlink starts again at the root, not at the host /', async () => {
    await symlink('/', join(root, 'var/www/escape'));
    await symlink('/etc', join(root, 'conf'));
    expect(await inside(root, '/var/www/escape/secret')).toBe(join(root, 'secret'));
    expect(await inside(root, '/conf/app.conf')).toBe(join(root, 'etc/app.conf'));
  });

  test('a relative symlink that climbs with .. stops at the root', async () => {
    await symlink('../../../../secret', join(root, 'var/www/up'));
    expect(await inside(root, '/var/www/up')).toBe(join(root, 'secret'));
  });

  test('a symlink loop is refused by name; relative paths and / are refused', async () => {
    await symlink('b', join(root, 'a'));
    await symlink('a', join(root, 'b'));
    await expect(inside(root, '/a/x')).rejects.toMatchObject({ code: 'INVALID_PARAMS', message: '/a/x has more than 40 symlinks to follow' });
    await expect(inside(root, 'etc/x')).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(inside(root, '/')).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await symlink('/', join(root, 'top'));
    await expect(inside(root, '/top')).rejects.toMatchObject({ message: '/top leads to /, not a file' });
  });
});
