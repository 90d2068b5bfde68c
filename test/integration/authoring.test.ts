import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { PACK_TIMEOUT_MS } from '../support/packages.js';
import { HEARTH_PACK, REPO, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const PORT_BASE = 19_000 + Math.floor(Math.random() * 10_000);
/** Longer than a failing check needs to say so; the outcome, not the time, is asserted. */
const CHECK_WAIT_TIMEOUT_MS = 90_000;

/** `hearth-pack` as the guide runs it, from the package's own folder. */
const hearthPack = (cwd: string, ...args: string[]) => execa('node', [HEARTH_PACK, ...args], { cwd, timeout: PACK_TIMEOUT_MS });

describe.skipIf(skipUnless({ root: isRoot }))('writing a package outside the checkout, as sdk/README.md tells', () => {
  let work: string;
  let hearthd: TestHearthd;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-author-'));
    hearthd = await TestHearthd.start(PORT_BASE);
  });
  afterAll(async () => {
    await hearthd?.cli('uninstall', 'my-site', '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('init in an empty folder → build the image → pack → install → start → the page is served, by a non-root daemon', async () => {
    const dir = join(work, 'my-site');
    expect(dir.startsWith(REPO)).toBe(false);
    await hearthPack(work, 'init', dir);
    // @hearth/sdk is a real install from the vendored tarball, not a link into the checkout.
    expect(lstatSync(join(dir, 'node_modules/@hearth/sdk')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).toContain('vendor/hearth-sdk-');

    await execa('bash', ['build-image.sh'], { cwd: dir, timeout: PACK_TIMEOUT_MS });
    await hearthPack(dir, 'keygen', '--out', join(work, 'publisher.pem'));
    await hearthPack(dir, '.', '--key', join(work, 'publisher.pem'), '--out', 'my-site.hpk');
    expect(existsSync(join(dir, 'my-site.hpk'))).toBe(true);

    const inspect = JSON.parse((await hearthPack(dir, 'inspect', 'my-site.hpk', '--json')).stdout) as { daemons: { id: string; user: string; command: string[] }[] };
    expect(inspect.daemons).toEqual([expect.objectContaining({ id: 'web', user: 'www-data', command: ['httpd', '-f', '-v', '-p', '8080', '-h', '/www'] })]);

    await hearthd.trust(join(work, 'publisher.pem'));
    await hearthd.json('install', join(dir, 'my-site.hpk'));
    const status = await hearthd.json<ServiceStatus>('start', 'my-site');
    expect(status.daemons).toEqual([expect.objectContaining({ id: 'web', state: 'ready' })]);
    const url = status.interfaces.find((i) => i.id === 'web')?.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url ?? '');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Hello from my-site');

    const ps = await hearthd.cli('exec', 'my-site', '--', 'ps');
    expect(ps.exitCode, ps.stderr).toBe(0);
    expect(ps.stdout).toMatch(/www-data\s.*httpd -f -v -p 8080/);
  });

  test('a readiness command the image does not have: start stops waiting and says why, instead of running into its timeout', async () => {
    const dir = join(work, 'my-site');
    const source = readFileSync(join(dir, 'src/index.ts'), 'utf8');
    expect(source).toContain("ready: healthChecks.http(8080, '/')");
    await writeFile(join(dir, 'src/index.ts'), source.replace("id: 'my-site'", "id: 'my-site-check'").replace("ready: healthChecks.http(8080, '/')", "ready: healthChecks.command(['pg_isready'])"));
    await hearthPack(dir, '.', '--key', join(work, 'publisher.pem'), '--out', 'my-site-check.hpk');
    await hearthd.json('install', join(dir, 'my-site-check.hpk'));
    // A timeout the wait must not reach: without the check failing at once, the error would be TIMEOUT.
    const start = await hearthd.cli('--json', 'start', 'my-site-check', '--timeout', String(CHECK_WAIT_TIMEOUT_MS));
    expect(start.exitCode).not.toBe(0);
    const { error } = JSON.parse(start.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('DAEMON_FAILED');
    expect(error.message).toContain("daemon web failed: its readiness check cannot run: pg_isready cannot be executed in the daemon's image (exit 127)");
    const status = await hearthd.json<ServiceStatus>('status', 'my-site-check');
    expect(status.daemons).toEqual([expect.objectContaining({ id: 'web', state: 'failed' })]);
    await hearthd.cli('stop', 'my-site-check');
    await hearthd.cli('uninstall', 'my-site-check', '--purge', '--yes');
  }, CHECK_WAIT_TIMEOUT_MS + PACK_TIMEOUT_MS);
});
