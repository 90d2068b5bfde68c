import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { internetBeside, networkDiagnostics, TestNetns, UPLINK } from '../support/netns.js';
import { packExample, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

/**
 * The network examples as a user runs them: status-page depends on hello-world's `web` interface;
 * mirror asks for outbound access and fetches from a stand-in upstream in a namespace beside the
 * one hearthd runs in (nothing leaves the test's namespaces).
 */
const PORT_BASE = 19_000 + Math.floor(Math.random() * 10_000);
const EXAMPLES = ['hello-world', 'status-page', 'mirror'] as const;
/** status-page checks every 5 s and waits 2 s for an answer; a change shows within two rounds. */
const PAGE_POLL = { timeout: 30_000, interval: 500 };
const UPSTREAM_URL = `http://${UPLINK.internet}/`;

describe.skipIf(skipUnless({ root: isRoot }))('the network examples', () => {
  let work: string;
  let site: string;
  let host: TestNetns;
  let internet: TestNetns;
  let hearthd: TestHearthd;

  const status = (id: string): Promise<ServiceStatus> => hearthd.json<ServiceStatus>('status', id);
  /** The page a service's first interface serves, fetched from hearthd's namespace as a browser on the host would; '' when none came. */
  const page = async (id: string): Promise<string> => {
    const url = (await status(id)).interfaces[0]?.url ?? '';
    return await host.run('curl', ['-sS', '-m', '5', url]).catch(() => '');
  };
  const mirrored = (): Promise<string> => readFile(join(hearthd.dataDir, 'volumes', 'mirror', 'data', 'site', 'index.html'), 'utf8');

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-netex-'));
    site = join(work, 'site');
    await mkdir(site);
    await writeFile(join(site, 'index.html'), 'upstream v1\n');
    host = await TestNetns.create('host');
    internet = await internetBeside(host, site);

    const key = await publisherKey(join(work, 'key.pem'));
    const archives = new Map<string, string>();
    for (const id of EXAMPLES) archives.set(id, await packExample(id, key, join(work, `${id}.hpk`)));
    hearthd = await TestHearthd.create(PORT_BASE);
    hearthd.useNetns(host.name);
    await hearthd.launch();
    await hearthd.trust(key);
    for (const id of EXAMPLES) await hearthd.json('install', archives.get(id) ?? '');
  }, 900_000);

  afterAll(async () => {
    if (hearthd) {
      for (const id of ['status-page', 'mirror', 'hello-world']) await hearthd.cli('uninstall', id, '--purge', '--yes');
      await hearthd[Symbol.asyncDispose]();
    }
    await internet?.[Symbol.asyncDispose]();
    await host?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  test('starting status-page starts hello-world first, and its page shows what hello-world answered and when', async () => {
    expect((await status('hello-world')).ready).toBe(false);
    expect((await hearthd.json<ServiceStatus>('start', 'status-page')).ready).toBe(true);
    expect((await status('hello-world')).ready).toBe(true);
    expect((await status('hello-world')).network?.reachableFrom).toEqual([{ id: 'status-page', interfaces: ['web'] }]);
    await expect.poll(() => page('status-page'), PAGE_POLL).toMatch(/<h1 id="state">hello-world is up<\/h1>/);
    const shown = await page('status-page');
    // Its package code got the address from dependencyAddress(manifest, 'hello-world', 'web').
    expect(shown).toContain('http://hello-world.hearth:80/');
    expect(shown).toMatch(/<code>HTTP\/1\.[01] 200 OK<\/code>/);
    expect(shown).toContain('&lt;h1&gt;Hello from hearth&lt;/h1&gt;');
    expect(shown).toMatch(/<time id="checked">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/time>/);
  });

  test('while hello-world is stopped status-page waits for it and says it is down; started again, it is up', async () => {
    await hearthd.json('stop', 'hello-world');
    expect((await status('status-page')).network?.waitingFor).toEqual(['hello-world']);
    await expect.poll(() => page('status-page'), PAGE_POLL).toMatch(/<h1 id="state">hello-world is down<\/h1>/);
    expect(await page('status-page')).toMatch(/No answer within 2 s/);

    await hearthd.json('start', 'hello-world');
    expect((await status('status-page')).network?.waitingFor).toEqual([]);
    const up = /<h1 id="state">hello-world is up<\/h1>/;
    await expect.poll(() => page('status-page'), PAGE_POLL).toMatch(up).catch(async (error: unknown) => {
      const diagnostics = await networkDiagnostics(host, ['status-page', 'hello-world'], async (service, script) => {
        const result = await hearthd.cli('exec', service, '--', 'sh', '-c', script);
        return result.stdout + result.stderr;
      });
      throw new Error(`${String(error)}\n${diagnostics}`);
    });
  });

  test('mirror’s fetch action copies the upstream page into its volume, and its interface serves it', async () => {
    expect((await hearthd.json<ServiceStatus>('start', 'mirror')).network?.outbound).toBe(true);
    expect(await page('mirror')).toContain('Nothing mirrored yet');
    const fetched = await hearthd.json<{ message: string; data: unknown }>('action', 'mirror', 'fetch', '--input', `url=${UPSTREAM_URL}`);
    expect(fetched.message).toBe(`fetched 12 bytes from ${UPSTREAM_URL}; the web interface serves them`);
    expect(fetched.data).toEqual({ url: UPSTREAM_URL, bytes: 12 });
    expect(await mirrored()).toBe('upstream v1\n');
    expect(await page('mirror')).toBe('upstream v1');
  });

  test('with outbound access revoked the fetch fails saying the connection failed and how to restore it, and the copy is kept; on again, it fetches', async () => {
    await writeFile(join(site, 'index.html'), 'upstream v2\n');
    expect((await hearthd.json<ServiceStatus>('net', 'outbound', 'mirror', 'off')).network?.outbound).toBe(false);
    const refused = await hearthd.cli('action', 'mirror', 'fetch', '--input', `url=${UPSTREAM_URL}`);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain(`the connection failed: no answer from ${UPLINK.internet}:80 `);
    expect(refused.stderr).toContain('hearth net outbound mirror on');
    expect(await mirrored()).toBe('upstream v1\n');
    expect(await page('mirror')).toBe('upstream v1');

    await hearthd.json('net', 'outbound', 'mirror', 'on');
    await hearthd.json('action', 'mirror', 'fetch', '--input', `url=${UPSTREAM_URL}`);
    expect(await page('mirror')).toBe('upstream v2');
  });

  test('a URL mirror cannot fetch is refused as bad input, before any connection', async () => {
    const refused = await hearthd.cli('action', 'mirror', 'fetch', '--input', 'url=https://example.com/');
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain('only http:// URLs can be fetched, not https://example.com/');
    expect(await page('mirror')).toBe('upstream v2');
  });

  test('mirror, which declares no dependency on hello-world, is refused at its address even with outbound access; the copy is kept', async () => {
    expect((await status('hello-world')).ready).toBe(true);
    const address = (await status('hello-world')).network?.address ?? '';
    const refused = await hearthd.cli('action', 'mirror', 'fetch', '--input', `url=http://${address}/`);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain(`the connection failed: no answer from ${address}:80`);
    expect(await page('mirror')).toBe('upstream v2');
  });
});
