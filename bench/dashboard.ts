/// <reference lib="dom" />
/**
 * The web dashboard's weight: its first load in the test Chromium (bytes transferred, time until the
 * services page shows hello-world running), beside an empty page from a bare Node server in the
 * same run; and the memory hearthd adds with five dashboards open following hello-world's logs.
 * Run as root: `npm run bench` (needs Debian's chromium, as the browser tests do).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../test/support/hearthd.js';
import { keygen, packExample } from '../test/support/packages.js';
import { launchChromium } from '../test/web/browser.js';
import { printTable, summarize } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const DASHBOARDS = 5;
const PORT_BASE = 26_000 + Math.floor(Math.random() * 2000);
const WEB_PORT = PORT_BASE + 900;
const ORIGIN = `http://127.0.0.1:${WEB_PORT}`;
const PASSWORD = 'a benchmark password';
/** Requests to hello-world while the dashboards follow its logs: one log line each (httpd -v). */
const LOG_REQUESTS = 500;
/** Let hearthd's heap settle before each reading (a benchmark may wait; tests wait for conditions). */
const SETTLE_MS = 3_000;

const rssKiB = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

/** Bytes the page's own loads moved (the document and its assets; not the API's streams), and ms from navigation until `ready`. */
async function load(context: BrowserContext, url: string, ready: (page: Page) => Promise<void>): Promise<{ ms: number; bytes: number }> {
  const page = await context.newPage();
  await page.goto(url);
  await ready(page);
  const ms = await page.evaluate(() => performance.now());
  const bytes = await page.evaluate(() =>
    (performance.getEntriesByType('navigation') as PerformanceResourceTiming[])
      .concat((performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => r.initiatorType !== 'fetch' && r.initiatorType !== 'xmlhttprequest'))
      .reduce((sum, r) => sum + r.transferSize, 0),
  );
  await page.close();
  return { ms, bytes };
}

async function signIn(hearthd: TestHearthd): Promise<{ cookie: string; token: string }> {
  const setupCode = (await readFile(join(hearthd.dataDir, 'web', 'setup-code'), 'utf8')).trim();
  const response = await fetch(`${ORIGIN}/api/auth/setup`, { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: JSON.stringify({ setupCode, password: PASSWORD }) });
  const { token } = (await response.json()) as { token: string };
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]?.split('=')[1] ?? '';
  return { cookie, token };
}

async function signedInContext(browser: Browser, session: { cookie: string; token: string }): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addCookies([{ name: 'hearth_session', value: session.cookie, url: ORIGIN }]);
  await context.addInitScript((token) => localStorage.setItem('hearth.token', token), session.token);
  return context;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'hearth-bench-web-'));
  const empty = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>empty</title>'));
  await new Promise<void>((resolve) => empty.listen(0, '127.0.0.1', resolve));
  const emptyUrl = `http://127.0.0.1:${(empty.address() as { port: number }).port}/`;
  const hearthd = await TestHearthd.start(PORT_BASE, {}, ['--web', `127.0.0.1:${WEB_PORT}`]);
  const browser = await launchChromium();
  try {
    const key = await keygen(join(work, 'key.pem'));
    await hearthd.trust(key);
    await hearthd.json('install', await packExample('hello-world', key, join(work, 'hello-world.hpk')));
    const status = await hearthd.json<ServiceStatus>('start', 'hello-world');
    const session = await signIn(hearthd);

    const dashboard: { ms: number; bytes: number }[] = [];
    const baseline: { ms: number; bytes: number }[] = [];
    // One warm-up of each, then RUNS, each in a fresh context: an empty cache, as a first visit has.
    for (let i = 0; i <= RUNS; i += 1) {
      const context = await signedInContext(browser, session);
      const d = await load(context, ORIGIN, (p) => p.locator('[data-service="hello-world"] .badge', { hasText: /^running$/ }).waitFor());
      await context.close();
      const plain = await browser.newContext();
      const b = await load(plain, emptyUrl, (p) => p.waitForFunction(() => document.readyState === 'complete').then(() => undefined));
      await plain.close();
      if (i > 0) {
        dashboard.push(d);
        baseline.push(b);
      }
    }
    const base = summarize('empty page', baseline.map((s) => s.ms));
    printTable(`first load, time until interactive (${RUNS} runs)`, [summarize('dashboard: services page, hello-world running', dashboard.map((s) => s.ms)), base], base);
    const kib = (samples: { bytes: number }[]): string => (summarize('', samples.map((s) => s.bytes)).medianMs / 1024).toFixed(1);
    process.stdout.write(`\nfirst load, bytes transferred (document and assets, gzip): dashboard ${kib(dashboard)} KiB, empty page ${kib(baseline)} KiB\n`);

    const pid = hearthd.pid ?? 0;
    await settle();
    const idle = rssKiB(pid);
    // One browser context each, as five people (or browsers) would: Chromium opens at most 6
    // connections per host and context, and each dashboard holds two streams open.
    const contexts: BrowserContext[] = [];
    const pages: Page[] = [];
    for (let i = 0; i < DASHBOARDS; i += 1) {
      const context = await signedInContext(browser, session);
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${ORIGIN}/services/hello-world`);
      await page.getByText('following live').waitFor();
      pages.push(page);
    }
    await settle();
    const open = rssKiB(pid);
    const url = status.interfaces.find((i) => i.id === 'web')?.url ?? '';
    for (let i = 0; i < LOG_REQUESTS; i += 1) await (await fetch(`${url}?bench-${i}`)).text();
    await Promise.all(pages.map((p) => p.waitForFunction((n) => document.querySelectorAll('.log-line').length >= n, Math.min(LOG_REQUESTS, 1000), { timeout: 60_000 })));
    await settle();
    const following = rssKiB(pid);
    for (const context of contexts) await context.close();
    const mib = (k: number): string => (k / 1024).toFixed(1);
    process.stdout.write(
      `\nhearthd RSS: no dashboard ${mib(idle)} MiB; ${DASHBOARDS} dashboards following hello-world's logs ${mib(open)} MiB (+${mib(open - idle)}); ` +
        `after ${LOG_REQUESTS} log lines reached all of them ${mib(following)} MiB (+${mib(following - idle)})\n`,
    );
  } finally {
    await browser.close();
    await hearthd.cli('uninstall', 'hello-world', '--purge', '--yes');
    await hearthd[Symbol.asyncDispose]();
    empty.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
