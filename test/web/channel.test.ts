// No hearthd and no container: the dashboard's own web server with a scripted dispatcher, in a real Chromium.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { RpcDispatcher } from '@hearth/sdk/rpc';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { WebServer } from '../../host/src/web/server.js';
import { skipUnless } from '../support/require.js';
import { VIEWPORTS, hasChromium, launchChromium, setPasswordOnFirstVisit } from './browser.js';
import { scriptedWebServer } from './scripted-host.js';

const ID = 'app';
/** How often the scripted host flips the service's state and writes a log line. */
const TICK_MS = 300;
const PAGES = 4;

describe.skipIf(skipUnless({ chromium: hasChromium }))('live views share one connection per page', () => {
  let dir: string;
  let server: WebServer;
  let browser: Browser;
  let tick = 0;
  let timer: ReturnType<typeof setInterval>;
  const listeners = new Set<(method: string, params: object) => void>();
  const status = (): ServiceStatus => ({ id: ID, version: '1.0.0', state: tick % 2 === 0 ? 'running' : 'stopped', ready: true, interfaces: [], daemons: [] }) as unknown as ServiceStatus;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-web-channel-'));
    const dispatcher = new RpcDispatcher();
    const follow = (closed: Promise<void>, notify: (m: string, p: object) => void): void => {
      listeners.add(notify);
      void closed.then(() => listeners.delete(notify));
    };
    dispatcher.addMethod('server.info', () => ({ version: 'test' }));
    dispatcher.addMethod('service.status', () => status());
    dispatcher.addMethod('events.subscribe', (_p, caller) => (follow(caller.closed, (m, p) => m === 'event' && caller.notify(m, p)), { subscribed: true }));
    dispatcher.addMethod('service.logs', (_p, caller) => (follow(caller.closed, (m, p) => m === 'service.log' && caller.notify(m, p)), { entries: [] }));
    timer = setInterval(() => {
      tick++;
      for (const notify of listeners) {
        notify('event', { type: 'service.status', status: status() });
        notify('service.log', { entry: { daemon: 'main', stream: 'stdout', line: `line ${tick}`, time: Date.now() } });
      }
    }, TICK_MS);
    server = await scriptedWebServer(dir, dispatcher);
    browser = await launchChromium();
  });
  afterAll(async () => {
    clearInterval(timer);
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test(`${PAGES} service pages in one browser context all load and follow state and logs live, and a fifth still loads`, async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const first = await context.newPage();
    await setPasswordOnFirstVisit(first, server.url, join(dir, 'setup-code'), 'a dashboard password');
    const pages = [first, ...(await Promise.all(Array.from({ length: PAGES }, () => context.newPage())))];
    for (const p of pages) {
      await p.goto(`${server.url}services/${ID}`);
      await p.getByRole('status').filter({ hasText: 'following live' }).waitFor({ timeout: 10_000 });
    }
    for (const p of pages) {
      for (const state of ['stopped', 'running']) await p.locator(`h1 .badge[data-state="${state}"]`).waitFor({ timeout: 10_000 });
      const lines = await p.locator('.log-line').count();
      await p.waitForFunction((n) => document.querySelectorAll('.log-line').length > n, lines, { timeout: 10_000 });
    }
    // Each page: its events and its logs ride one stream.
    expect(listeners.size).toBe(2 * pages.length);
    await context.close();
  });
});
