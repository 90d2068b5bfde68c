/// <reference lib="dom" />
// The functions given to page.evaluate run in the browser: they use its DOM.
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { HOST_METHODS, type ServiceStatus, type SnapshotSummary } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { packExample, publisherKey } from '../support/packages.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';
import { VIEWPORTS, hasChromium, launchChromium, screenshot, seriousAxeViolations } from './browser.js';

const PORT_BASE = 21_000 + Math.floor(Math.random() * 4000);
const WEB_PORT = PORT_BASE + 900;
const ORIGIN = `http://127.0.0.1:${WEB_PORT}`;
const PASSWORD = 'a dashboard password';
/** Changes of state (a container stopping, starting) take seconds; the page must show them within this. */
const STATE_TIMEOUT_MS = 90_000;

describe.skipIf(skipUnless({ root: isRoot, chromium: hasChromium }))('the web dashboard in a real Chromium', () => {
  let work: string;
  let hearthd: TestHearthd;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];

  const watch = (p: Page): void => {
    p.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    p.on('pageerror', (error) => cspViolations.push(`page error: ${error.message}`));
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-web-e2e-'));
    const key = await publisherKey(join(work, 'publisher.pem'));
    const archive = await packExample('hello-world', key, join(work, 'hello-world.hpk'));
    hearthd = await TestHearthd.start(PORT_BASE, {}, ['--web', `127.0.0.1:${WEB_PORT}`]);
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    await hearthd.json<ServiceStatus>('start', 'hello-world');
    browser = await launchChromium();
    desktop = await browser.newContext({ viewport: VIEWPORTS.desktop, colorScheme: 'light' });
    page = await desktop.newPage();
    watch(page);
  });

  afterAll(async () => {
    await browser?.close();
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const card = (p: Page) => p.locator('[data-service="hello-world"]');
  const badgeSays = (p: Page, scope: string, state: string) => p.locator(`${scope} .badge`, { hasText: new RegExp(`^${state}$`) }).first();

  test('the first visit sets the password with the setup code from the root-only file, then shows hello-world running', async () => {
    await page.goto(ORIGIN);
    await page.getByRole('heading', { name: 'Set the dashboard password' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in-first-visit', 'desktop');

    await page.getByLabel('Setup code').fill('AAAA-BBBB-CCCC-DDDD');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'the setup code is wrong' }).waitFor();

    const code = (await readFile(join(hearthd.dataDir, 'web', 'setup-code'), 'utf8')).trim();
    await page.getByLabel('Setup code').fill(code);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByRole('heading', { name: 'Services' }).waitFor();
    await badgeSays(page, '[data-service="hello-world"]', 'running').waitFor({ timeout: STATE_TIMEOUT_MS });
    const link = card(page).getByRole('link', { name: /^Web page http/ });
    expect(await link.getAttribute('href')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'services', 'desktop');
  });

  test('stopping hello-world from the page shows progress, then its new state, without a reload', async () => {
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    await card(page).getByRole('button', { name: 'Stop Hello World' }).click();
    await card(page).getByRole('status').filter({ hasText: 'Stopping Hello World…' }).waitFor();
    await badgeSays(page, '[data-service="hello-world"]', 'stopped').waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await hearthd.json<ServiceStatus>('status', 'hello-world')).toMatchObject({ state: 'stopped' });

    // Started from the CLI: the page follows hearthd's events, whoever made the change.
    await hearthd.json('start', 'hello-world');
    await badgeSays(page, '[data-service="hello-world"]', 'running').waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  test('the service page shows its daemon and follows its logs: a request to the service adds a line live, filterable by daemon', async () => {
    await card(page).getByRole('link', { name: 'Hello World' }).click();
    await page.waitForURL(`${ORIGIN}/services/hello-world`);
    await badgeSays(page, '[data-daemon="web"]', 'ready').waitFor({ timeout: STATE_TIMEOUT_MS });
    await page.getByRole('combobox', { name: 'Daemon' }).selectOption('web');
    await page.getByText('following live').waitFor();
    const lines = page.locator('.log-line');
    const before = await lines.count();

    const status = await hearthd.json<ServiceStatus>('status', 'hello-world');
    const url = status.interfaces.find((i) => i.id === 'web')?.url;
    expect((await fetch(`${url}?from-the-dashboard-test`)).status).toBe(200);
    await page.waitForFunction((n) => document.querySelectorAll('.log-line').length > n, before, { timeout: STATE_TIMEOUT_MS });
    expect(await page.locator('.log-line .daemon').allTextContents()).toEqual(expect.arrayContaining(['web']));
    expect(new Set(await page.locator('.log-line .daemon').allTextContents())).toEqual(new Set(['web']));
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'service', 'desktop');
  });

  test('at phone width, in the dark scheme, sign-in and both pages work and pass axe', async () => {
    const phone = await browser.newContext({ viewport: VIEWPORTS.phone, colorScheme: 'dark', isMobile: true, hasTouch: true });
    try {
      const small = await phone.newPage();
      watch(small);
      await small.goto(ORIGIN);
      await small.getByRole('heading', { name: 'Sign in to hearth' }).waitFor();
      expect(await seriousAxeViolations(small)).toEqual([]);
      await screenshot(small, 'sign-in', 'phone');
      await small.getByLabel('Password').fill(PASSWORD);
      await small.getByRole('button', { name: 'Sign in' }).click();
      await badgeSays(small, '[data-service="hello-world"]', 'running').waitFor({ timeout: STATE_TIMEOUT_MS });
      expect(await seriousAxeViolations(small)).toEqual([]);
      await screenshot(small, 'services', 'phone');
      // Nothing wider than the screen: no sideways scrolling on a phone.
      expect(await small.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await small.goto(`${ORIGIN}/services/hello-world`);
      await badgeSays(small, '[data-daemon="web"]', 'ready').waitFor({ timeout: STATE_TIMEOUT_MS });
      await small.getByText('following live').waitFor();
      expect(await seriousAxeViolations(small)).toEqual([]);
      await screenshot(small, 'service', 'phone');
      expect(await small.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    } finally {
      await phone.close();
    }
  });

  test('a backup taken from the service page is listed; restoring it after a confirmation brings the data back and the service up', async () => {
    await hearthd.json('backup', 'target', 'add', 'home', join(work, 'backups'));
    await page.goto(`${ORIGIN}/services/hello-world`);
    await badgeSays(page, '[data-daemon="web"]', 'ready').waitFor({ timeout: STATE_TIMEOUT_MS });
    const volume = join(hearthd.dataDir, 'volumes', 'hello-world', 'data');
    await writeFile(join(volume, 'kept.txt'), 'before the backup\n');

    const form = page.getByRole('form', { name: 'Back up hello-world' });
    await form.getByRole('button', { name: 'Back up hello-world now' }).click();
    await form.getByRole('status').filter({ hasText: /^Backed up as [0-9a-f]{8} in home/ }).waitFor({ timeout: STATE_TIMEOUT_MS });
    const [snapshot] = (await hearthd.json<{ snapshots: SnapshotSummary[] }>('backup', 'ls', 'hello-world')).snapshots;
    const entry = page.locator(`[data-snapshot="${snapshot!.shortId}"]`);
    await entry.waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    await writeFile(join(volume, 'kept.txt'), 'changed after the backup\n');
    await entry.getByRole('button', { name: `Restore ${snapshot!.shortId}…` }).click();
    await entry.getByRole('group').filter({ hasText: 'Its current data is replaced' }).waitFor();
    await entry.getByRole('button', { name: `Restore ${snapshot!.shortId}`, exact: true }).click();
    await entry.getByRole('status').filter({ hasText: /^Restored hello-world .* it is running and ready\.$/ }).waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await readFile(join(volume, 'kept.txt'), 'utf8')).toBe('before the backup\n');
    await screenshot(page, 'service-backups', 'desktop');
  });

  test('after signing out, every API call is refused, even with the old cookie and token', async () => {
    const token = await page.evaluate(() => localStorage.getItem('hearth.token'));
    const cookie = (await desktop.cookies(ORIGIN)).find((c) => c.name === 'hearth_session');
    expect(token).toBeTruthy();
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to hearth' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('hearth.token'))).toBeNull();

    const fromPage = await page.evaluate(
      async ({ methods, token }) => {
        const statuses: number[] = [];
        for (const method of methods) {
          for (const path of ['/api/rpc', '/api/stream']) {
            const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hearth-token': token ?? '' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: {} }) });
            statuses.push(response.status);
          }
        }
        return statuses;
      },
      { methods: [...HOST_METHODS], token },
    );
    expect(new Set(fromPage)).toEqual(new Set([401]));
    // A client that kept the old cookie (a service's page on another port received it) is refused too.
    const replay = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${ORIGIN}/api/rpc`, { method: 'POST', headers: { origin: ORIGIN, cookie: `hearth_session=${cookie?.value ?? ''}`, 'x-hearth-token': token ?? '', 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'package.list', params: {} }));
    });
    expect(replay).toBe(401);
    expect(cspViolations).toEqual([]);
  });
});
