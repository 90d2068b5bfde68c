import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DAEMON_OOM_SCORE_ADJ, SETUP_SCRIPT, setupArgv } from './process.js';
import { CHROOT } from './command.js';

describe("a daemon's setup before it execs", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-setup-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the process joins every cgroup and raises its OOM score, then becomes the command under the same pid', async () => {
    const files = [join(dir, 'memory.procs'), join(dir, 'pids.procs')];
    const out = execFileSync('/bin/sh', ['-c', SETUP_SCRIPT, 'hearth-setup', String(DAEMON_OOM_SCORE_ADJ), '2', ...files, '/bin/sh', '-c', 'echo $$; cat /proc/self/oom_score_adj'], {
      encoding: 'utf8',
    });
    const [pid, adj] = out.trim().split('\n');
    expect(adj).toBe('1000');
    for (const file of files) expect((await readFile(file, 'utf8')).trim()).toBe(pid);
  });

  test('a cgroup it cannot join is said on stderr and the command runs anyway', () => {
    const missing = join(dir, 'missing/cgroup.procs');
    const result = spawnSync('/bin/sh', ['-c', SETUP_SCRIPT, 'hearth-setup', '0', '1', missing, '/bin/echo', 'ran'], { encoding: 'utf8' });
    expect(result.stdout).toBe('ran\n');
    expect(result.stderr).toBe(`hearth: could not join the cgroup ${missing}\n`);
  });

  test('the argv is the shell script, the score, the files, then chroot and its arguments', () => {
    expect(setupArgv(['/cg/memory/daemon.web/cgroup.procs'], ['/root', 'httpd'])).toEqual([
      '-c',
      SETUP_SCRIPT,
      'hearth-setup',
      '1000',
      '1',
      '/cg/memory/daemon.web/cgroup.procs',
      CHROOT,
      '/root',
      'httpd',
    ]);
  });
});
