// No hearthd and no registry: the dashboard's own web server with a scripted dispatcher, in a real Chromium.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RegistryPackageInfo } from '@hearth/sdk/contract';
import { RpcDispatcher } from '@hearth/sdk/rpc';
import { WebServer } from '../../host/src/web/server.js';
import { skipUnless } from '../support/require.js';
import { VIEWPORTS, hasChromium, launchChromium, seriousAxeViolations, setPasswordOnFirstVisit } from './browser.js';
import { scriptedWebServer } from './scripted-host.js';

const MIB = 1024 * 1024;
const KEY = Buffer.alloc(32, 1).toString('base64');

function offered(id: string, title: string, latest: string, installed: string | null): RegistryPackageInfo {
  return { registry: 'main', id, title, description: `${title}, from the test registry`, icon: null, publisher: KEY, latest, versions: [{ version: latest, size: 3 * MIB, sha256: '0'.repeat(64), minHearth: null, dependencies: {} }], installed };
}

describe.skipIf(skipUnless({ chromium: hasChromium }))('the dashboard store page', () => {
  let dir: string;
  let server: WebServer;
  let browser: Browser;
  let page: Page;
  const installs: unknown[] = [];
  const installed = new Map<string, string>([['hello-world', '1.0.0']]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-web-store-'));
    const dispatcher = new RpcDispatcher();
    dispatcher.addMethod('server.info', () => ({ version: 'test' }));
    dispatcher.addMethod('package.list', () => ({ packages: [] }));
    dispatcher.addMethod('events.subscribe', () => ({ subscribed: true }));
    dispatcher.addMethod('registry.search', (params) => {
      const words = (params as { words?: string[] }).words ?? [];
      const all = [offered('hello-world', 'Hello World', '1.1.0', installed.get('hello-world') ?? null), offered('status-page', 'Status page', '1.0.0', installed.get('status-page') ?? null)];
      return { packages: all.filter((p) => words.every((w) => `${p.id} ${p.title}`.toLowerCase().includes(w.toLowerCase()))) };
    });
    dispatcher.addMethod('registry.plan', (params) => {
      const { id } = params as { id: string };
      const self = { id, version: id === 'hello-world' ? '1.1.0' : '1.0.0', registry: 'main', size: 3 * MIB, requested: true };
      return { plan: id === 'status-page' ? [{ id: 'mirror-dep', version: '2.0.0', registry: 'main', size: MIB, requested: false }, self] : [self] };
    });
    dispatcher.addMethod('registry.install', (params) => {
      installs.push(params);
      const { id } = params as { id: string };
      installed.set(id, id === 'hello-world' ? '1.1.0' : '1.0.0');
      return { id, title: id, version: installed.get(id), signer: 'f'.repeat(64), ...(id === 'hello-world' && { updatedFrom: '1.0.0' }) };
    });
    server = await scriptedWebServer(dir, dispatcher);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: VIEWPORTS.desktop })).newPage();
    await setPasswordOnFirstVisit(page, server.url, join(dir, 'setup-code'), 'a dashboard password');
    await page.getByRole('link', { name: 'Store' }).click();
    await page.getByRole('heading', { name: 'Store' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('lists what the registries offer with the installed version, and search narrows the list', async () => {
    await page.locator('[data-package="status-page"]').waitFor();
    await page.locator('[data-package="hello-world"]').getByText('installed: 1.0.0').waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('status');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('[data-package="hello-world"]').waitFor({ state: 'detached' });
    expect(await page.locator('[data-package]').count()).toBe(1);
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('[data-package="hello-world"]').waitFor();
  });

  test('an installed package with a newer version is updated with one click', async () => {
    await page.getByRole('button', { name: 'Update Hello World (hello-world)' }).click();
    await page.getByText('Hello World 1.1.0 is installed.').waitFor();
    expect(installs.at(-1)).toEqual({ id: 'hello-world', registry: 'main' });
  });

  test('a package with a missing dependency lists what will be installed and installs only once confirmed', async () => {
    const before = installs.length;
    await page.getByRole('button', { name: 'Install Status page (status-page)' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm installing Status page (status-page) with its dependencies' });
    await confirm.getByText('mirror-dep 2.0.0 (1.0 MiB), a dependency').waitFor();
    expect(installs.length).toBe(before);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await confirm.getByRole('button', { name: 'Install all 2' }).click();
    await page.getByText('Status page 1.0.0 is installed.').waitFor();
    expect(installs.at(-1)).toEqual({ id: 'status-page', registry: 'main', dependencies: true });
  });
});
