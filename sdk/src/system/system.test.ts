import { describe, expect, test } from 'vitest';
import { CGROUP_V1_UNLIMITED_BYTES, createLogger, memoryLimitOf, parseMountInfo, pointsUnder } from './index.js';

describe('the mount table', () => {
  const text = [
    '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
    '40 22 0:35 / /srv/a\\040b rw,nosuid,nodev - tmpfs tmpfs rw',
    '41 40 0:36 / /srv/a\\040b/inner ro - squashfs /dev/loop0 ro',
    '42 22 0:37 / /srv/ab rw - tmpfs tmpfs rw',
    '',
  ].join('\n');

  test('gives each mount point unescaped, with its per-mount options', () => {
    expect(parseMountInfo(text)[1]).toEqual({ point: '/srv/a b', options: ['rw', 'nosuid', 'nodev'] });
  });

  test('lists what is at or below a prefix deepest first, not a sibling sharing the prefix', () => {
    expect(pointsUnder(parseMountInfo(text), '/srv/a b')).toEqual(['/srv/a b/inner', '/srv/a b']);
  });
});

describe('the cgroup v1 "unlimited" memory limit', () => {
  test('the page-rounded LONG_MAX an unlimited cgroup reports is no limit; a real limit is itself', () => {
    expect(memoryLimitOf(Number('9223372036854771712'))).toBeNull();
    expect(memoryLimitOf(CGROUP_V1_UNLIMITED_BYTES)).toBeNull();
    expect(memoryLimitOf(256 * 1024 * 1024)).toBe(268435456);
    expect(memoryLimitOf(null)).toBeNull();
  });
});

describe('the logger', () => {
  test('writes one JSON line per message with the context of its parents', () => {
    const lines: string[] = [];
    createLogger({ component: 'runtime' }, (l) => lines.push(l)).child({ daemon: 'web' }).warn('slow', { ms: 5 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'warn', message: 'slow', component: 'runtime', daemon: 'web', ms: 5 });
  });
});
