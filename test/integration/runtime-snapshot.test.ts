import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { keygen, packDir } from '../support/packages.js';
import { FIXTURES, REPO, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const ID = 'snapshot-probe';
const BUILD_TIMEOUT_MS = 180_000;
const FALLBACK = 'starting from the code cache';

/**
 * The runtime from the base's V8 startup snapshot behaves like the one from the code cache: the
 * same package loads (an import() at its top level and one in a readiness check) and its daemons
 * turn ready, HTTP check included; a base without a snapshot says why in runtime.log and still works.
 */
describe.skipIf(skipUnless({ root: isRoot }))('a runtime started from the startup snapshot, beside one started from the code cache', () => {
  let work: string;
  let archive: string;
  let key: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-snapshot-'));
    key = await keygen(join(work, 'key.pem'));
    archive = await packDir(join(FIXTURES, ID), '../supervision/build-images.sh', key, join(work, `${ID}.hpk`));
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const startOn = async (flags: string[]): Promise<{ status: ServiceStatus; runtimeLog: string }> => {
    await using hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000), {}, flags);
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    try {
      const status = await hearthd.json<ServiceStatus>('start', ID);
      const runtimeLog = await readFile(join(hearthd.dataDir, 'logs', ID, 'runtime.log'), 'utf8');
      return { status, runtimeLog };
    } finally {
      await hearthd.cli('uninstall', ID, '--purge', '--yes');
    }
  };

  test('from the snapshot: the package loads with import() at load and in a check, every daemon turns ready, and nothing falls back', async () => {
    const out = join(work, 'base-snapshot');
    await execa('node', [join(REPO, 'scripts/build-base.mjs'), '--out-dir', out, '--snapshot'], { timeout: BUILD_TIMEOUT_MS });
    const { path } = JSON.parse(await readFile(join(out, 'current.json'), 'utf8')) as { path: string };
    const { status, runtimeLog } = await startOn(['--base-image', path]);
    expect(status).toMatchObject({ state: 'running', ready: true });
    expect(status.daemons.map((d) => [d.id, d.state])).toEqual([['idle', 'ready'], ['web', 'ready']]);
    expect(runtimeLog).toContain('package loaded');
    expect(runtimeLog).not.toContain(FALLBACK);
  }, BUILD_TIMEOUT_MS);

  test('from the default base (code cache): the same package turns ready, and runtime.log says why the code cache was used', async () => {
    const { status, runtimeLog } = await startOn([]);
    expect(status).toMatchObject({ state: 'running', ready: true });
    expect(status.daemons.map((d) => [d.id, d.state])).toEqual([['idle', 'ready'], ['web', 'ready']]);
    expect(runtimeLog).toContain(FALLBACK);
    expect(runtimeLog).toContain('the base was built without --snapshot');
  });
});
