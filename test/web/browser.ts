/// <reference lib="dom" />
// The functions given to page.evaluate run in the browser: they use its DOM.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO } from '../support/repo.js';

/** Debian's Chromium (scripts/setup.sh installs it): playwright-core drives it, and downloads no browser. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
/** Where the tests write a screenshot of each page, at each width (gitignored). */
export const SCREENSHOTS_DIR = join(REPO, 'test/web/screenshots');
export const VIEWPORTS = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const;

export async function launchChromium(): Promise<Browser> {
  // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
  return await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'], timeout: 60_000 });
}

const require = createRequire(import.meta.url);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's violations of impact serious or critical on the page as it is now. Injected through
 * the DevTools protocol (page.evaluate), which the page's CSP does not govern, so the CSP stays on.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const source = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** A full-page screenshot as NAME-WIDTH.png in SCREENSHOTS_DIR. */
export async function screenshot(page: Page, name: string, viewport: keyof typeof VIEWPORTS): Promise<void> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}-${viewport}.png`), fullPage: true });
}

/**
 * The first visit of a dashboard: the password is set with the setup code hearthd wrote to
 * `setupCodeFile` (root-only), and the page signs in and shows the services.
 */
export async function setPasswordOnFirstVisit(page: Page, url: string, setupCodeFile: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Setup code').fill((await readFile(setupCodeFile, 'utf8')).trim());
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password again').fill(password);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await page.getByRole('heading', { name: 'Services' }).waitFor();
}
