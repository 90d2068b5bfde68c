import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { resolveUser, userspecOf } from './user.js';

const query = { daemon: 'db', image: 'postgres', what: 'user', code: 'MANIFEST_INVALID' as const };

describe('users of an image', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'hearth-user-'));
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\npostgres:x:999:998::/var/lib/postgresql:/bin/sh\n');
    await writeFile(join(root, 'etc', 'group'), 'root:x:0:\npostgres:x:998:\nssl-cert:x:101:postgres\n');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('names, numbers and groups resolve as Docker resolves them', async () => {
    expect(await resolveUser(root, 'postgres', query)).toEqual({ uid: 999, gid: 998 });
    expect(await resolveUser(root, 'postgres:ssl-cert', query)).toEqual({ uid: 999, gid: 101 });
    expect(await resolveUser(root, '999', query)).toEqual({ uid: 999, gid: 998 });
    expect(await resolveUser(root, '4242', query)).toEqual({ uid: 4242, gid: 4242 });
    expect(await resolveUser(root, '70:71', query)).toEqual({ uid: 70, gid: 71 });
    expect(userspecOf(await resolveUser(root, 'root', query))).toBeNull();
    expect(userspecOf(await resolveUser(root, '0:5', query))).toBe('0:5');
  });

  test('an unknown user or group is refused, naming the daemon, the image and the value', async () => {
    await expect(resolveUser(root, 'www-data', query)).rejects.toMatchObject({ code: 'MANIFEST_INVALID', message: `daemon db (image postgres): user "www-data": no such user in the image's /etc/passwd` });
    await expect(resolveUser(root, 'postgres:wheel', { ...query, what: 'exec --user', code: 'INVALID_PARAMS' })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      message: `daemon db (image postgres): exec --user "postgres:wheel": no such group in the image's /etc/group`,
    });
  });

  test('/etc/passwd that is a FIFO (a daemon can write its root) is refused instead of hanging the runtime', async () => {
    await rm(join(root, 'etc', 'passwd'));
    execFileSync('mkfifo', [join(root, 'etc', 'passwd')]);
    await expect(resolveUser(root, 'postgres', query)).rejects.toThrow(/cannot read the image's accounts: \/etc\/passwd in the image is not a regular file/);
  });

  test('/etc/passwd that links out of the root is read inside it', async () => {
    await rm(join(root, 'etc', 'passwd'));
    await mkdir(join(root, 'srv'));
    await writeFile(join(root, 'srv', 'passwd'), 'app:x:1000:1000::/:/bin/sh\n');
    await symlink('/srv/passwd', join(root, 'etc', 'passwd'));
    expect(await resolveUser(root, 'app', query)).toEqual({ uid: 1000, gid: 1000 });
  });
});
