import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TestHearthd } from '../support/hearthd.js';
import { containerRunning } from '../support/leftovers.js';
import { keygen, packDir } from '../support/packages.js';
import { FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

interface CliError {
  error: { code: string; message: string; hint?: string };
}

describe.skipIf(skipUnless({ root: isRoot }))('package code that hangs or allocates at load is stopped at its limit, and the error says so', () => {
  let work: string;
  let hearthd: TestHearthd;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-package-load-'));
    const key = await keygen(join(work, 'key.pem'));
    hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000));
    await hearthd.trust(key);
    for (const name of ['load-hang', 'load-alloc']) {
      await hearthd.json('install', await packDir(join(FIXTURES, name), '../supervision/build-images.sh', key, join(work, `${name}.hpk`)));
    }
  });

  afterAll(async () => {
    for (const name of ['load-hang', 'load-alloc']) await hearthd?.cli('uninstall', name, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const startFails = async (id: string): Promise<CliError['error']> => {
    const result = await hearthd.cli('--json', 'start', id, '--no-wait');
    expect(result.exitCode).not.toBe(0);
    return (JSON.parse(result.stdout) as CliError).error;
  };

  const hostUnharmed = async (id: string): Promise<void> => {
    expect(await containerRunning(join(hearthd.dataDir, 'lxc'), `hearth-${id}`)).toBe(false);
    expect((await hearthd.json<{ version: string }>('server')).version).toBe('0.1.0');
    expect((await hearthd.json<{ state: string }>('status', id)).state).not.toBe('running');
  };

  test('a package whose module loops forever at import: the start fails after 30 s saying it hangs at load, and its container is stopped', async () => {
    const error = await startFails('load-hang');
    expect(error).toMatchObject({ code: 'TIMEOUT', message: 'package code did not finish loading within 30 s: it hangs at load' });
    await hostUnharmed('load-hang');
  });

  test("a package whose module allocates without end at import: the runtime dies at its heap limit and the start fails with V8's reason from runtime.log", async () => {
    const error = await startFails('load-alloc');
    expect(error.code).toBe('CONTAINER_FAILED');
    expect(error.message).toMatch(/^container hearth-load-alloc exited while loading the package code; the end of its runtime\.log: .*heap out of memory/);
    await hostUnharmed('load-alloc');
  });
});
