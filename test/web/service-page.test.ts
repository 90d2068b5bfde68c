// No hearthd and no container: the dashboard's own web server with a scripted dispatcher, in a real Chromium.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { RpcDispatcher } from '@hearth/sdk/rpc';
import { WebServer } from '../../host/src/web/server.js';
import { skipUnless } from '../support/require.js';
import { VIEWPORTS, hasChromium, launchChromium, screenshot, seriousAxeViolations, setPasswordOnFirstVisit } from './browser.js';
import { scriptedWebServer } from './scripted-host.js';

const ID = 'app';
const MIB = 1024 * 1024;
const daemons = [
  { id: 'migrate', kind: 'task', state: 'exited', since: 1, requires: ['db'] },
  { id: 'db', kind: 'daemon', state: 'ready', since: 1, requires: [] },
  { id: 'web', kind: 'daemon', state: 'ready', since: 1, requires: ['db', 'migrate'] },
];

describe.skipIf(skipUnless({ chromium: hasChromium }))('a service page: dependency graph, usage charts, rotating a secret', () => {
  let dir: string;
  let server: WebServer;
  let browser: Browser;
  let page: Page;
  let cpuSeconds = 0;
  const rotated: string[] = [];
  const outboundCalls: string[] = [];
  const network = { address: '10.123.0.5', hostname: 'app.hearth', outboundRequested: true, outbound: true, reachableFrom: [{ id: 'blog', interfaces: ['api'] }], waitingFor: [] as string[] };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-web-service-'));
    const dispatcher = new RpcDispatcher();
    dispatcher.addMethod('server.info', () => ({ version: 'test' }));
    const status = () => ({ id: ID, version: '1.0.0', state: 'running', ready: true, interfaces: [], daemons, network: { ...network } });
    dispatcher.addMethod('service.status', status);
    dispatcher.addMethod('service.setOutbound', (params) => {
      const p = params as { id: string; outbound: boolean };
      outboundCalls.push(`${p.id}:${String(p.outbound)}`);
      network.outbound = p.outbound;
      return status();
    });
    dispatcher.addMethod('events.subscribe', () => ({ subscribed: true }));
    dispatcher.addMethod('service.logs', () => ({ entries: [] }));
    dispatcher.addMethod('service.stats', () => ({ services: [{ id: ID, memoryBytes: 48 * MIB, memoryLimitBytes: 256 * MIB, pids: 7, pidsLimit: 512, cpuSeconds: (cpuSeconds += 1.5), daemons: [], volumes: [] }] }));
    dispatcher.addMethod('secret.list', () => ({ secrets: [{ name: 'db-password', description: 'the database password', source: 'generated', set: true, usedBy: ['db', 'web'] }] }));
    dispatcher.addMethod('secret.rotate', (params) => {
      rotated.push(String((params as { name?: unknown }).name));
      return { applied: 'reconfigured', reconfigured: { restarted: ['db', 'web'] } };
    });
    server = await scriptedWebServer(dir, dispatcher);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: VIEWPORTS.desktop })).newPage();
    await setPasswordOnFirstVisit(page, server.url, join(dir, 'setup-code'), 'a dashboard password');
    await page.goto(`${server.url}services/${ID}`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the dependency graph draws each daemon, a task differently, an arrow per requirement, and the start order in words', async () => {
    await page.getByRole('img', { name: /Dependency graph of the daemons/ }).waitFor();
    expect(await page.locator('[data-node]').evaluateAll((nodes) => nodes.map((n) => `${n.getAttribute('data-node')}:${n.getAttribute('class')}`).sort())).toEqual(['db:graph-node', 'migrate:graph-node task', 'web:graph-node']);
    expect(await page.locator('[data-edge]').evaluateAll((edges) => edges.map((e) => e.getAttribute('data-edge')).sort())).toEqual(['db>migrate', 'db>web', 'migrate>web']);
    await page.getByText('Start order, in waves: 1: db; 2: migrate; 3: web.').waitFor();
  });

  test('memory, CPU and processes show as numbers against the limits and follow live', async () => {
    await page.locator('[data-chart="Memory"]').getByText('48.0 MiB of 256.0 MiB').waitFor();
    await page.locator('[data-chart="Processes"]').getByText('7 of 512').waitFor();
    await page.locator('[data-chart="CPU"] .chart-value').filter({ hasText: /^\d+% of one core$/ }).waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-chart="Memory"] .chart-limit').count()).toBe(1);
  });

  test('a generated secret is rotated after a confirmation naming the daemons, and the page says which restarted', async () => {
    const secret = page.locator('[data-secret="db-password"]');
    await secret.getByRole('button', { name: 'Rotate db-password…' }).click();
    await secret.getByText('Generate a new value for db-password? db, web will restart with it.').waitFor();
    expect(rotated).toEqual([]);
    await secret.getByRole('button', { name: 'Rotate db-password', exact: true }).click();
    await secret.getByRole('status').filter({ hasText: 'Rotated and applied: restarted db, web.' }).waitFor();
    expect(rotated).toEqual(['db-password']);
  });

  test('the network section shows the address, who may reach it and the internet access, revoked and granted again from the page', async () => {
    const section = page.getByRole('region', { name: 'Network' });
    await section.getByText('Address 10.123.0.5, name app.hearth.').waitFor();
    await section.getByText('May reach it: blog (api).').waitFor();
    await section.getByText('It may connect to the internet and the LAN, as its package asks.').waitFor();
    await section.getByRole('button', { name: 'Revoke internet access' }).click();
    await section.getByText('Its package asks to connect to the internet and the LAN: not allowed now.').waitFor();
    expect(outboundCalls).toEqual([`${ID}:false`]);
    await section.getByRole('button', { name: 'Allow internet access' }).click();
    await section.getByRole('button', { name: 'Revoke internet access' }).waitFor();
    expect(outboundCalls).toEqual([`${ID}:false`, `${ID}:true`]);
  });

  test('the page passes axe at desktop and phone width, light and dark', async () => {
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'service-graph-usage', 'desktop');
    await page.setViewportSize(VIEWPORTS.phone);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'service-graph-usage', 'phone');
  });
});
