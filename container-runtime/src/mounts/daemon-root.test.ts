import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { rootMountScript, shellQuote } from './daemon-root.js';

describe('the mount script of a daemon root', () => {
  test('a quoted word reaches sh unchanged, quotes, spaces and $ included', () => {
    for (const word of ["it's", 'a b', '$HOME `x`', "'", '', 'end\\']) {
      expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' })).toBe(word);
    }
  });

  test('mounts the overlay first, then the shared dirs, then each volume (read-only ones remounted)', () => {
    const script = rootMountScript('/s/web', '/images/app', [{ source: '/volumes/data', target: '/var/lib/app', readonly: true }]);
    const mounts = script.split('\n').filter((l) => l.startsWith('mount'));
    expect(mounts[0]).toBe("mount -t overlay overlay -o 'lowerdir=/images/app,upperdir=/s/web/upper,workdir=/s/web/work,userxattr' '/s/web/root'");
    expect(mounts.slice(1, 5)).toEqual(['proc', 'dev', 'run', 'sys'].map((d) => `mount -o rbind /${d} '/s/web/root/${d}'`));
    expect(mounts.slice(5)).toEqual(["mount -o bind '/volumes/data' '/s/web/root/var/lib/app'", "mount -o remount,bind,ro '/s/web/root/var/lib/app'"]);
  });
});
