import { lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { provision } from './place.js';

describe('writing rendered files into a daemon’s root (no secrets: no tmpfs)', () => {
  let dir: string;
  let root: string;
  let outside: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-place-'));
    root = join(dir, 'root');
    outside = join(dir, 'outside');
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const base = { daemon: 'web', image: 'main', user: { uid: 0, gid: 0 }, secrets: {} };
  const rendered = (path: string, owner: string | null = null) => ({ path, mode: 0o640, owner, content: `at ${path}\n`, secretsRead: [] });

  test('a file is written with its mode and owner (a user of the image), its directories made', async () => {
    await provision({ ...base, root, files: [rendered('/etc/app/config.yml', 'app')] });
    const info = await stat(join(root, 'etc', 'app', 'config.yml'));
    expect([info.mode & 0o777, info.uid, info.gid]).toEqual([0o640, 1000, 1000]);
    expect(await readFile(join(root, 'etc', 'app', 'config.yml'), 'utf8')).toBe('at /etc/app/config.yml\n');
  });

  test('a link the image planted at the file is replaced, never written through', async () => {
    await writeFile(join(outside, 'victim'), 'untouched\n');
    await symlink(join(outside, 'victim'), join(root, 'etc', 'app.conf'));
    await provision({ ...base, root, files: [rendered('/etc/app.conf')] });
    expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('untouched\n');
    expect((await lstat(join(root, 'etc', 'app.conf'))).isFile()).toBe(true);
  });

  test('a linked directory on the way resolves inside the root, as the daemon would see it', async () => {
    await symlink('/../../outside', join(root, 'conf'));
    await provision({ ...base, root, files: [rendered('/conf/app.conf')] });
    expect(await readFile(join(root, 'outside', 'app.conf'), 'utf8')).toBe('at /conf/app.conf\n');
    await expect(stat(join(outside, 'app.conf'))).rejects.toThrow(/ENOENT/);
  });

  test('an owner the image does not have fails naming the daemon and file', async () => {
    await expect(provision({ ...base, root, files: [rendered('/etc/x', 'nobody-here')] })).rejects.toThrow(/daemon web: cannot write file \/etc\/x: .*nobody-here/);
  });
});
