import { chown, lstat, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { secretsMountPoint } from './tmpfs.js';

describe.skipIf(process.getuid?.() !== 0)('the mount point of the secrets tmpfs in the shared /run', () => {
  test('what a daemon planted at /run/secrets first (its own directory, a link, a file) is replaced by container root’s directory', async () => {
    const run = await mkdtemp(join(tmpdir(), 'hearth-run-'));
    try {
      const victim = join(run, 'victim');
      await mkdir(victim);
      for (const plant of [
        async (at: string) => { await mkdir(at); await writeFile(join(at, 'x'), 'mine'); await chown(at, 1000, 1000); },
        async (at: string) => symlink(victim, at),
        async (at: string) => writeFile(at, 'file'),
      ]) {
        await plant(join(run, 'secrets'));
        const dir = await secretsMountPoint(run);
        const info = await lstat(dir);
        expect([info.isDirectory(), info.uid, info.mode & 0o777, await readdir(dir)]).toEqual([true, 0, 0o755, []]);
        await rm(dir, { recursive: true });
      }
      expect(await readdir(victim)).toEqual([]);
    } finally {
      await rm(run, { recursive: true, force: true });
    }
  });
});
