import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveInImage, rootMountScript, shellQuote } from './daemon-root.js';

describe('the mount script of a daemon root', () => {
  test('a quoted word reaches sh unchanged, quotes, spaces and $ included', () => {
    for (const word of ["it's", 'a b', '$HOME `x`', "'", '', 'end\\']) {
      expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' })).toBe(word);
    }
  });

  test('mounts the overlay first (private), then the shared dirs as slaves (nothing mounted under them propagates back), then each volume (read-only ones remounted)', () => {
    const script = rootMountScript('/s/web', '/images/app', [{ source: '/volumes/data', target: '/var/lib/app', readonly: true }]);
    const mounts = script.split('\n').filter((l) => l.startsWith('mount'));
    expect(mounts[0]).toBe("mount -t overlay overlay -o 'lowerdir=/images/app,upperdir=/s/web/upper,workdir=/s/web/work,userxattr' '/s/web/root'");
    expect(mounts[1]).toBe("mount --make-private '/s/web/root'");
    expect(mounts.slice(2, 10)).toEqual(['proc', 'dev', 'run', 'sys'].flatMap((d) => [`mount -o rbind '/${d}' '/s/web/root/${d}'`, `mount --make-rslave '/s/web/root/${d}'`]));
    expect(mounts.slice(10)).toEqual(["mount -o bind '/volumes/data' '/s/web/root/var/lib/app'", "mount -o remount,bind,ro '/s/web/root/var/lib/app'"]);
  });

  test('a mount path that is a symlink in the image resolves inside the image, never onto the runtime’s /media/hearth', async () => {
    const image = await mkdtemp(join(tmpdir(), 'hearth-image-'));
    try {
      await mkdir(join(image, 'var', 'run'), { recursive: true });
      await symlink('/media/hearth/host', join(image, 'data'));
      await symlink('../../../../../media/hearth', join(image, 'up'));
      await symlink('var/run', join(image, 'run'));
      await symlink('loop', join(image, 'loop'));
      expect(await resolveInImage(image, '/data', 'web')).toBe('/media/hearth/host');
      expect(await resolveInImage(image, '/up/sockets', 'web')).toBe('/media/hearth/sockets');
      expect(await resolveInImage(image, '/run', 'web')).toBe('/var/run');
      await expect(resolveInImage(image, '/loop', 'web')).rejects.toThrow(/daemon web cannot mount at \/loop: .*symlinks/);
    } finally {
      await rm(image, { recursive: true, force: true });
    }
  });
});
