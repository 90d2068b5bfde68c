/// <reference lib="dom" />
// The functions given to page.evaluate run in the browser: they use its DOM.
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { ServiceSettings, ServiceSummary, TrustedKeyInfo } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { fingerprintOf, keygen, packDir } from '../support/packages.js';
import { FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';
import { VIEWPORTS, hasChromium, launchChromium, screenshot, seriousAxeViolations, setPasswordOnFirstVisit } from './browser.js';

const PORT_BASE = 21_000 + Math.floor(Math.random() * 4000);
const WEB_PORT = PORT_BASE + 901;
const ORIGIN = `http://127.0.0.1:${WEB_PORT}`;
const PASSWORD = 'a dashboard password';
const ID = 'webforms';
/** A container starting or an install verifying takes seconds on a loaded machine; the page must show it within this. */
const STATE_TIMEOUT_MS = 90_000;

/**
 * Issue 14's install, publishers, actions and settings pages in a real Chromium against a real
 * hearthd: every step through the page, every outcome checked with the CLI as well.
 */
describe.skipIf(skipUnless({ root: isRoot, chromium: hasChromium }))('the dashboard install, publishers, actions and settings pages', () => {
  let work: string;
  let hearthd: TestHearthd;
  let browser: Browser;
  let page: Page;
  let key: string;
  let archive: string;
  const problems: string[] = [];

  const watch = (p: Page): void => {
    p.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) problems.push(message.text());
    });
    p.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  };
  const installed = async (): Promise<string[]> => (await hearthd.json<ServiceSummary[]>('ls')).map((s) => s.id);
  const trusted = async (): Promise<TrustedKeyInfo[]> => hearthd.json<TrustedKeyInfo[]>('trust', 'list');
  const progressValue = (): Promise<string | null> => page.locator('#install-progress').getAttribute('value');

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-web-pages-'));
    key = await keygen(join(work, 'publisher.pem'));
    archive = await packDir(join(FIXTURES, 'web-forms'), '../supervision/build-images.sh', key, join(work, `${ID}.hpk`));
    hearthd = await TestHearthd.start(PORT_BASE, {}, ['--web', `127.0.0.1:${WEB_PORT}`]);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: VIEWPORTS.desktop, colorScheme: 'light' })).newPage();
    watch(page);
    await setPasswordOnFirstVisit(page, ORIGIN, join(hearthd.dataDir, 'web', 'setup-code'), PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await hearthd?.cli('uninstall', ID, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a file that is not an .hpk is refused in words, by its name on the page and by its bytes on the host', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Install' }).click();
    await page.getByRole('heading', { name: 'Install a package' }).waitFor();
    await page.getByLabel('Package file (.hpk)').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await page.getByRole('button', { name: 'Upload and install' }).click();
    await page.getByRole('alert').filter({ hasText: 'notes.txt is not an .hpk file' }).waitFor();
    await page.getByLabel('Package file (.hpk)').setInputFiles({ name: 'fake.hpk', mimeType: 'application/octet-stream', buffer: Buffer.alloc(4096, 0x41) });
    await page.getByRole('button', { name: 'Upload and install' }).click();
    await page.getByRole('alert').filter({ hasText: 'the upload is not an .hpk: it does not start with a ustar tar header' }).waitFor();
    expect(await installed()).toEqual([]);
  });

  test('a package from an unknown publisher is refused until its fingerprint is trusted on the page; then the bar runs to the end and it is installed', async () => {
    // Every value the bar takes, recorded in the page as it changes.
    await page.evaluate(() => {
      const seen: string[] = [];
      (globalThis as unknown as { barValues: string[] }).barValues = seen;
      new MutationObserver(() => {
        const bar = document.querySelector('#install-progress');
        if (bar && seen.at(-1) !== bar.getAttribute('value')) seen.push(bar.getAttribute('value') ?? '');
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.getByLabel('Package file (.hpk)').setInputFiles(archive);
    await page.getByRole('button', { name: 'Upload and install' }).click();
    await page.getByRole('heading', { name: 'Unknown publisher' }).waitFor({ timeout: STATE_TIMEOUT_MS });
    const fingerprint = await fingerprintOf(key);
    expect((await page.locator('.trust .fingerprint').textContent())?.replaceAll(' ', '')).toBe(fingerprint);
    expect(await installed()).toEqual([]);
    expect(await trusted()).toEqual([]);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'install-untrusted', 'desktop');

    await page.getByLabel('Publisher name (for your list of trusted publishers)').fill('Fixture publisher');
    await page.getByRole('button', { name: 'Trust this publisher and install' }).click();
    await page.getByText('Installed Web forms 1.0.0.').waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await progressValue()).toBe('100');
    expect(await page.locator('#install-progress').getAttribute('max')).toBe('100');
    const values = (await page.evaluate(() => (globalThis as unknown as { barValues: string[] }).barValues)).map(Number);
    expect(values.some((v) => v > 0 && v < 100), `bar values ${values.join(', ')}`).toBe(true);
    expect(values.at(-1)).toBe(100);
    expect(await installed()).toEqual([ID]);
    expect(await trusted()).toMatchObject([{ fingerprint, name: 'Fixture publisher' }]);
    // The upload was consumed by the install.
    expect(await readdir(join(hearthd.dataDir, 'uploads'))).toEqual([]);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'install', 'desktop');
  });

  test('an action runs from its form: a bad number shows the schema message at its field, a good one the result', async () => {
    await hearthd.json('start', ID);
    await page.getByRole('link', { name: 'Open Web forms' }).click();
    await page.waitForURL(`${ORIGIN}/services/${ID}`);
    const form = page.getByRole('form', { name: 'Action Greet' });
    await form.getByLabel('name (required)').fill('dashboard');
    await form.getByLabel('times').fill('many');
    await form.getByRole('button', { name: 'Run Greet' }).click();
    const times = form.getByLabel('times');
    await form.locator('.field-error').filter({ hasText: /times must be a number, got "many"/ }).waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await times.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await times.getAttribute('id'));
    expect(await seriousAxeViolations(page)).toEqual([]);

    await times.fill('2');
    await form.getByRole('button', { name: 'Run Greet' }).click();
    await form.getByRole('status').filter({ hasText: 'hello, dashboard! hello, dashboard!' }).waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await times.getAttribute('aria-invalid')).toBeNull();
  });

  test('a setting is changed from its form: a bad value is refused at its field and nothing changes; a good one is saved', async () => {
    const form = page.getByRole('form', { name: 'Settings' });
    await form.getByLabel('repeat').fill('twice');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.locator('.field-error').filter({ hasText: /setting repeat must be a number/ }).waitFor({ timeout: STATE_TIMEOUT_MS });
    expect((await hearthd.json<ServiceSettings>('config', 'get', ID)).settings).toMatchObject({ repeat: 1, greeting: 'hello' });

    await form.getByLabel('repeat').fill('3');
    await form.getByLabel('greeting').fill('hi');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByRole('status').filter({ hasText: /^Saved/ }).waitFor({ timeout: STATE_TIMEOUT_MS });
    expect((await hearthd.json<ServiceSettings>('config', 'get', ID)).settings).toMatchObject({ repeat: 3, greeting: 'hi', loud: false });

    // The action sees it at once.
    const greet = page.getByRole('form', { name: 'Action Greet' });
    await greet.getByLabel('times').fill('1');
    await greet.getByRole('button', { name: 'Run Greet' }).click();
    await greet.getByRole('status').filter({ hasText: 'hi, dashboard! hi, dashboard! hi, dashboard!' }).waitFor({ timeout: STATE_TIMEOUT_MS });
  });

  test('a secret is listed by name only and set through a password field that is emptied once saved', async () => {
    const secret = page.locator('[data-secret="api-key"]');
    await secret.getByText('generated by hearth').waitFor();
    const field = secret.getByLabel('New value for api-key');
    expect(await field.getAttribute('type')).toBe('password');
    const value = 'a-value-typed-into-the-page';
    await field.fill(value);
    await secret.getByRole('button', { name: 'Set api-key' }).click();
    await secret.getByRole('status').filter({ hasText: /^Saved/ }).waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await field.inputValue()).toBe('');
    expect(await page.content()).not.toContain(value);
    const stored = JSON.parse(await readFile(join(hearthd.dataDir, 'secrets', `${ID}.json`), 'utf8')) as { secrets: Record<string, { value: string }> };
    expect(stored.secrets['api-key']?.value).toBe(value);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'service-forms', 'desktop');
  });

  test('publishers: a pasted PEM key is added with its fingerprint; removing one asks first, then it is gone', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Publishers' }).click();
    await page.getByRole('heading', { name: 'Trusted publishers' }).waitFor();
    await page.locator(`[data-fingerprint="${await fingerprintOf(key)}"]`).getByText('Fixture publisher').waitFor();
    const other = await keygen(join(work, 'other.pem'));
    const pem = createPublicKey(await readFile(other, 'utf8')).export({ format: 'pem', type: 'spki' }).toString();
    await page.getByLabel('Name', { exact: true }).fill('Another publisher');
    await page.getByLabel(/^Public key/).fill(pem);
    await page.getByRole('button', { name: 'Trust this publisher' }).click();
    const otherFingerprint = await fingerprintOf(other);
    const card = page.locator(`[data-fingerprint="${otherFingerprint}"]`);
    await card.getByText('Another publisher').waitFor();
    expect((await trusted()).map((k) => k.fingerprint).sort()).toEqual([await fingerprintOf(key), otherFingerprint].sort());
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'publishers', 'desktop');

    await card.getByRole('button', { name: 'Remove Another publisher…' }).click();
    await card.getByText('Stop trusting Another publisher?').waitFor();
    expect(await trusted()).toHaveLength(2);
    await card.getByRole('button', { name: 'Remove Another publisher', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'No longer trusted: Another publisher.' }).waitFor();
    expect(await card.count()).toBe(0);
    expect((await trusted()).map((k) => k.fingerprint)).toEqual([await fingerprintOf(key)]);
  });

  test('at phone width in the dark scheme, the install, publishers and service pages pass axe and do not scroll sideways', async () => {
    const phone = await browser.newContext({ viewport: VIEWPORTS.phone, colorScheme: 'dark', isMobile: true, hasTouch: true });
    try {
      const small = await phone.newPage();
      watch(small);
      await small.goto(ORIGIN);
      await small.getByLabel('Password').fill(PASSWORD);
      await small.getByRole('button', { name: 'Sign in' }).click();
      await small.getByRole('heading', { name: 'Services' }).waitFor();
      for (const [path, name, ready] of [
        ['/install', 'install', 'Install a package'],
        ['/publishers', 'publishers', 'Trusted publishers'],
        [`/services/${ID}`, 'service-forms', 'Greet'],
      ] as const) {
        await small.goto(`${ORIGIN}${path}`);
        await small.getByRole('heading', { name: ready }).waitFor({ timeout: STATE_TIMEOUT_MS });
        expect(await seriousAxeViolations(small), path).toEqual([]);
        await screenshot(small, name, 'phone');
        expect(await small.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), path).toBe(true);
      }
    } finally {
      await phone.close();
    }
  });

  test('uninstall asks whether to keep the data; confirmed with the box unticked, the package goes and its secrets stay', async () => {
    await page.goto(`${ORIGIN}/services/${ID}`);
    await page.getByRole('button', { name: 'Uninstall webforms…' }).click();
    const purge = page.getByLabel(/Also delete its data/);
    expect(await purge.isChecked()).toBe(false);
    await page.getByRole('button', { name: 'Uninstall webforms, keep its data' }).click();
    await page.getByRole('heading', { name: 'Services' }).waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await installed()).toEqual([]);
    expect(await readFile(join(hearthd.dataDir, 'secrets', `${ID}.json`), 'utf8')).toContain('api-key');
    expect(problems).toEqual([]);
  });
});
