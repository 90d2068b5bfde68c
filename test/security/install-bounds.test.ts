import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TestHearthd } from '../support/hearthd.js';
import { packExample, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';
import { expectServerInfo } from '../support/raw-socket.js';

/**
 * Installs are refused before anything is copied (finding 5 of issue 10): by the file's first bytes
 * and by its size against --max-package-bytes. The files are sparse (multi-GiB, taking no disk); tmp/
 * is watched throughout the call: an install that copied before checking would stage there for seconds.
 */

const GIB = 1024 ** 3;
const DEFAULT_CAP_BYTES = 16 * GIB;
const CAP = '512K';
const CAP_BYTES = 512 * 1024;
/** How often tmp/ is looked at while an install runs. */
const WATCH_INTERVAL_MS = 2;

interface CliError {
  error: { code: string; message: string };
}

describe.skipIf(skipUnless({ root: isRoot }))('hearth install of a file that is not a package, or larger than the cap, copies nothing', () => {
  let work: string;
  let hearthd: TestHearthd;
  let archive: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-install-bounds-'));
    const key = await publisherKey(join(work, 'key.pem'));
    archive = await packExample('hello-world', key, join(work, 'hello-world.hpk'));
    hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000));
    await hearthd.trust(key);
  });

  afterAll(async () => {
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Install `file` on `daemon`: the refusal, with nothing ever staged in tmp/, nothing installed and hearthd answering. */
  const refused = async (file: string, daemon = hearthd): Promise<CliError['error']> => {
    const tmp = join(daemon.dataDir, 'tmp');
    const staged = new Set<string>();
    const call = daemon.cli('--json', 'install', file);
    let done = false;
    void call.finally(() => (done = true));
    while (!done) {
      for (const name of existsSync(tmp) ? readdirSync(tmp) : []) staged.add(name);
      await sleep(WATCH_INTERVAL_MS);
    }
    const result = await call;
    expect(result.exitCode).not.toBe(0);
    expect([...staged]).toEqual([]);
    expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);
    expect(await daemon.json<unknown[]>('ls')).toEqual([]);
    await expectServerInfo(daemon.socket);
    return (JSON.parse(result.stdout) as CliError).error;
  };

  test('an 8 GiB file that is not an archive is refused by its first bytes as ARCHIVE_NOT_HPK', async () => {
    const file = join(work, 'video.mkv');
    await writeFile(file, 'not a tar header at all');
    await truncate(file, 8 * GIB);
    expect(await refused(file)).toMatchObject({ code: 'ARCHIVE_NOT_HPK', message: expect.stringContaining('does not start with a ustar tar header') as unknown });
  });

  test('a file over the default cap (16 GiB) that starts as a package is refused by its size as ARCHIVE_OVERSIZE, naming the cap', async () => {
    const file = join(work, 'huge.hpk');
    await writeFile(file, (await readFile(archive)).subarray(0, 4096));
    await truncate(file, DEFAULT_CAP_BYTES + GIB);
    expect((await stat(file)).blocks * 512).toBeLessThan(1024 * 1024); // sparse: it takes no disk
    expect(await refused(file)).toMatchObject({ code: 'ARCHIVE_OVERSIZE', message: expect.stringContaining(`larger than ${DEFAULT_CAP_BYTES} bytes`) as unknown });
  });

  test('a real package over --max-package-bytes is refused as ARCHIVE_OVERSIZE; the cap is what hearthd was given', async () => {
    expect((await stat(archive)).size).toBeGreaterThan(CAP_BYTES);
    await using capped = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000), {}, ['--max-package-bytes', CAP]);
    expect(await refused(archive, capped)).toMatchObject({ code: 'ARCHIVE_OVERSIZE', message: expect.stringContaining(`larger than ${CAP_BYTES} bytes`) as unknown });
    // The same file under the default cap installs: the refusal was the cap's.
    expect(await hearthd.json('install', archive)).toMatchObject({ id: 'hello-world' });
    await hearthd.json('uninstall', 'hello-world');
  });
});
