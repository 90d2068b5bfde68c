import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ImageConfig } from '@hearth/sdk/contract';
import { chrootArgv, daemonArgv, daemonEnv, onPath } from './command.js';

const image: ImageConfig = { entrypoint: ['/entry'], cmd: ['serve', '--port', '80'], env: ['PATH=/bin', 'LANG=C.UTF-8', 'EMPTY='], workdir: '/', user: 'root' };
const spec = { id: 'web', command: null, workdir: null };

describe('daemon command line', () => {
  test('without a command the image entrypoint and cmd run', () => {
    expect(daemonArgv(spec, image)).toEqual(['/entry', 'serve', '--port', '80']);
  });

  test("the daemon's command replaces entrypoint and cmd", () => {
    expect(daemonArgv({ ...spec, command: ['httpd', '-f'] }, image)).toEqual(['httpd', '-f']);
  });

  test('a workdir other than / goes through the shell, which cds and execs the argv unchanged', () => {
    expect(daemonArgv({ ...spec, command: ['a b', '$x'], workdir: '/srv/my app' }, image)).toEqual(['/bin/sh', '-c', 'cd "$0" && exec "$@"', '/srv/my app', 'a b', '$x']);
  });

  test("the image's workdir is used when the daemon has none", () => {
    expect(daemonArgv(spec, { ...image, workdir: '/app' }).slice(3, 5)).toEqual(['/app', '/entry']);
  });

  test('a daemon with no command whose image has neither entrypoint nor cmd is refused, naming the daemon', () => {
    expect(() => daemonArgv(spec, { ...image, entrypoint: null, cmd: [] })).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID', message: 'daemon web has no command and its image has no entrypoint or cmd' }) as Error);
  });

  test("the environment is the image's KEY=value entries with the daemon's on top", () => {
    expect(daemonEnv(image, { LANG: 'de_DE.UTF-8', APP: '1' })).toEqual({ PATH: '/bin', LANG: 'de_DE.UTF-8', EMPTY: '', APP: '1' });
  });

  test('an image without PATH gets the usual one', () => {
    expect(daemonEnv({ ...image, env: [] }, {})['PATH']).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });

  test('root needs no --userspec; another user gets uid:gid and its group', () => {
    expect(chrootArgv('/r', null, ['id'])).toEqual(['/r', 'id']);
    expect(chrootArgv('/r', '70:71', ['id'])).toEqual(['--userspec=70:71', '--groups=71', '/r', 'id']);
  });
});

describe('finding the runtime’s own tools', () => {
  test('the first executable on PATH wins; a non-executable file is skipped; nothing found gives the bare name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-onpath-'));
    try {
      await writeFile(join(dir, 'plain'), '');
      await writeFile(join(dir, 'tool'), '#!/bin/sh\n');
      await chmod(join(dir, 'tool'), 0o755);
      expect(onPath('tool', `/nonexistent::${dir}`)).toBe(join(dir, 'tool'));
      expect(onPath('plain', dir)).toBe('plain');
      expect(onPath('missing', dir)).toBe('missing');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
