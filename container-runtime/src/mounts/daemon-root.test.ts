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
    expect(mounts.slice(2, 6)).toEqual(['proc', 'dev', 'run', 'sys'].map((d) => `mount -o rbind '/${d}' '/s/web/root/${d}'`));
    // One recursive call makes every shared bind a slave before any volume is bound in.
    expect(mounts[6]).toBe("mount --make-rslave '/s/web/root'");
    expect(mounts.slice(7)).toEqual(["mount -o bind '/volumes/data' '/s/web/root/var/lib/app'", "mount -o remount,bind,ro '/s/web/root/var/lib/app'"]);
    expect(script.split('\n').filter((l) => l.startsWith('mkdir'))[0]).toBe("mkdir -p '/s/web/root/proc' '/s/web/root/dev' '/s/web/root/run' '/s/web/root/sys'");
  });

  test('a shared dir inside another (an image linking /run into /dev) is made a slave before the next is bound into it', () => {
    const shared = [
      { source: '/dev', target: '/dev' },
      { source: '/run', target: '/dev/shm/run' },
    ];
    const lines = rootMountScript('/s/web', '/images/app', [], shared).split('\n').slice(2);
    expect(lines).toEqual([
      "mkdir -p '/s/web/root/dev'",
      "mount -o rbind '/dev' '/s/web/root/dev'",
      "mount --make-rslave '/s/web/root/dev'",
      "mkdir -p '/s/web/root/dev/shm/run'",
      "mount -o rbind '/run' '/s/web/root/dev/shm/run'",
      "mount --make-rslave '/s/web/root/dev/shm/run'",
    ]);
  });

  test('hearth’s files go in with one mkdir, one rm (links of the image included) and one cp per directory, before any bind', () => {
    const files = ['hosts', 'hostname', 'resolv.conf'].map((name) => ({ source: `/s/web/etc/${name}`, target: `/etc/${name}` }));
    const lines = rootMountScript('/s/web', '/images/app', [], [], [...files, { source: '/s/web/etc/other', target: '/opt/renamed' }]).split('\n').slice(2);
    expect(lines).toEqual([
      "mkdir -p '/s/web/root/etc' '/s/web/root/opt'",
      "rm -f '/s/web/root/etc/hosts' '/s/web/root/etc/hostname' '/s/web/root/etc/resolv.conf' '/s/web/root/opt/renamed'",
      "cp '/s/web/etc/hosts' '/s/web/etc/hostname' '/s/web/etc/resolv.conf' '/s/web/root/etc/'",
      "cp '/s/web/etc/other' '/s/web/root/opt/renamed'",
    ]);
  });

  test('the batched script gives the root the files, and shared binds that are slaves: a mount under one never reaches its source', async () => {
    if (process.getuid?.() !== 0) return;
    const base = await mkdtemp(join(tmpdir(), 'hearth-root-script-'));
    try {
      for (const d of ['image/etc', 'src/shared', 's/web/upper', 's/web/work', 's/web/root', 's/web/etc']) await mkdir(join(base, d), { recursive: true });
      await symlink('/etc/passwd', join(base, 'image/etc/hosts'));
      execFileSync('sh', ['-c', `echo ours > ${join(base, 's/web/etc/hosts')}`]);
      const script = rootMountScript(join(base, 's/web'), join(base, 'image'), [], [{ source: join(base, 'src'), target: '/shared' }], [{ source: join(base, 's/web/etc/hosts'), target: '/etc/hosts' }]);
      // In a mount namespace of its own whose mounts are shared, as the container's are.
      const check = `mount --make-rshared /; ${script}; mount -t tmpfs t ${join(base, 's/web/root/shared/shared')}; cat ${join(base, 's/web/root/etc/hosts')}; grep -c ' ${join(base, 'src/shared')} ' /proc/self/mountinfo || true`;
      const out = execFileSync('unshare', ['-m', '--propagation', 'unchanged', 'sh', '-ec', check], { encoding: 'utf8' });
      expect(out.split('\n').slice(0, 2)).toEqual(['ours', '0']);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
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
