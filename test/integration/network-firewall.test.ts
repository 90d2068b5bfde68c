import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderFirewall, renderFirewallRemoval, type FirewallModel } from '../../host/dist/network/firewall.js';
import { formatIpv4, gatewayOf, parseIpv4, parseIpv4Net } from '../../host/dist/network/ipv4.js';
import { BRIDGE_NAME, macAddress, portName } from '../../host/dist/network/names.js';
import { ensureBridge, loadFirewall, pinNeighbour, removeBridge } from '../../host/dist/network/system.js';
import { TestNetns, vethBetween } from '../support/netns.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

/**
 * hearth's bridge and firewall, as hearthd sets them up, in a namespace standing in for the host;
 * each "service" is a namespace on a veth whose host end is named and addressed as LXC would
 * make it, and one more namespace stands in for the internet. Nothing leaves these namespaces.
 */
const NET = parseIpv4Net('10.123.0.0/24');
const GATEWAY = gatewayOf(NET);
const ADDR = { app: parseIpv4('10.123.0.2'), db: parseIpv4('10.123.0.3'), other: parseIpv4('10.123.0.4') };
const DB_PORT = 5432;
const HOST_PORT = 18080;
const UPLINK = { host: '192.0.2.1', internet: '192.0.2.2' };

describe.skipIf(skipUnless({ root: isRoot }))('the firewall hearth loads on its bridge', () => {
  const namespaces: TestNetns[] = [];
  const keep = (ns: TestNetns): TestNetns => (namespaces.push(ns), ns);
  let host: TestNetns;
  const svc: Record<keyof typeof ADDR, TestNetns> = {} as never;
  let internet: TestNetns;
  let www: string;
  const model: FirewallModel = {
    net: NET,
    gateway: GATEWAY,
    services: [
      { id: 'app', address: ADDR.app, outbound: true },
      { id: 'db', address: ADDR.db, outbound: false },
      { id: 'other', address: ADDR.other, outbound: false },
    ],
    grants: [{ fromId: 'app', toId: 'db', interfaceId: 'db', from: ADDR.app, to: ADDR.db, port: DB_PORT, protocol: 'tcp' }],
    forwards: [{ serviceId: 'db', interfaceId: 'db', bindAddress: '0.0.0.0', hostPort: HOST_PORT, to: ADDR.db, port: DB_PORT, protocol: 'tcp' }],
  };

  beforeAll(async () => {
    www = await mkdtemp(join(tmpdir(), 'hearth-fw-'));
    await writeFile(join(www, 'index.html'), 'ok\n');
    host = keep(await TestNetns.create('host'));
    internet = keep(await TestNetns.create('inet'));
    const run = host.run.bind(host);
    await ensureBridge(NET, GATEWAY, run);
    for (const id of Object.keys(ADDR) as (keyof typeof ADDR)[]) {
      const ns = keep(await TestNetns.create(id));
      svc[id] = ns;
      const address = ADDR[id];
      await vethBetween(host, portName(address), ns, macAddress(address));
      await host.run('ip', ['link', 'set', portName(address), 'master', BRIDGE_NAME]);
      // As LXC configures a /32 address with an off-link gateway: everything goes through the host.
      await ns.run('ip', ['addr', 'add', `${formatIpv4(address)}/32`, 'dev', 'eth0']);
      await ns.run('ip', ['route', 'add', formatIpv4(GATEWAY), 'dev', 'eth0']);
      await ns.run('ip', ['route', 'add', 'default', 'via', formatIpv4(GATEWAY), 'dev', 'eth0']);
      await pinNeighbour(address, macAddress(address), run);
      void ns.spawn('busybox', ['httpd', '-f', '-p', String(DB_PORT), '-h', www]);
    }
    await vethBetween(host, 'uplink', internet);
    await host.run('ip', ['addr', 'add', `${UPLINK.host}/24`, 'dev', 'uplink']);
    await internet.run('ip', ['addr', 'add', `${UPLINK.internet}/24`, 'dev', 'eth0']);
    await internet.run('ip', ['route', 'add', 'default', 'via', UPLINK.host]);
    await host.run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    void internet.spawn('busybox', ['httpd', '-f', '-p', '80', '-h', www]);
    await loadFirewall(renderFirewall(model), run);
  }, 60_000);

  afterAll(async () => {
    for (const ns of namespaces.reverse()) await ns[Symbol.asyncDispose]();
    if (www) await rm(www, { recursive: true, force: true });
  });

  const url = (address: number | string, port = DB_PORT): string => `http://${typeof address === 'number' ? formatIpv4(address) : address}:${port}/`;

  test('a dependent reaches the interface it was granted', async () => {
    await expect.poll(() => svc.app.httpStatus(url(ADDR.db)), { timeout: 5_000 }).toBe(200);
  });

  test('nothing else passes between services: not the other way, not from a third service', async () => {
    expect(await svc.db.httpStatus(url(ADDR.app))).toBe(0);
    expect(await svc.other.httpStatus(url(ADDR.db))).toBe(0);
  });

  test('only a service with outbound access reaches the internet', async () => {
    expect(await svc.app.httpStatus(url(UPLINK.internet, 80))).toBe(200);
    expect(await svc.db.httpStatus(url(UPLINK.internet, 80))).toBe(0);
  });

  test('a service reaches nothing on the host itself', async () => {
    void host.spawn('busybox', ['httpd', '-f', '-p', '9999', '-h', www]);
    await expect.poll(() => host.httpStatus(url('127.0.0.1', 9999)), { timeout: 5_000 }).toBe(200);
    expect(await svc.other.httpStatus(url(GATEWAY, 9999))).toBe(0);
    expect(await svc.other.httpStatus(url(UPLINK.host, 9999))).toBe(0);
  });

  test('a host port reaches its service from the host and from outside, but not from another service', async () => {
    expect(await host.httpStatus(url('127.0.0.1', HOST_PORT))).toBe(200);
    expect(await internet.httpStatus(url(UPLINK.host, HOST_PORT))).toBe(200);
    expect(await svc.other.httpStatus(url(UPLINK.host, HOST_PORT))).toBe(0);
  });

  test("a service that takes another's address gets nothing through", async () => {
    await svc.other.run('ip', ['addr', 'add', `${formatIpv4(ADDR.app)}/32`, 'dev', 'eth0']);
    try {
      expect(await svc.other.httpStatus(url(ADDR.db), ['--interface', formatIpv4(ADDR.app)])).toBe(0);
      expect(await svc.other.httpStatus(url(UPLINK.internet, 80), ['--interface', formatIpv4(ADDR.app)])).toBe(0);
      // And the real app is not disturbed by the impostor.
      expect(await svc.app.httpStatus(url(ADDR.db))).toBe(200);
    } finally {
      await svc.other.run('ip', ['addr', 'del', `${formatIpv4(ADDR.app)}/32`, 'dev', 'eth0']);
    }
  });

  test('removal leaves no hearth table and no bridge, and other tables are untouched', async () => {
    await host.run('nft', ['-f', '-'], 'table inet bystander {\n  chain c {\n    type filter hook forward priority 10; policy accept;\n  }\n}\n');
    await loadFirewall(renderFirewallRemoval(), host.run.bind(host));
    await removeBridge(host.run.bind(host));
    const tables = await host.run('nft', ['list', 'tables']);
    expect(tables.split('\n').sort()).toEqual(['table inet bystander']);
    expect(await host.run('ip', ['-o', 'link', 'show'])).not.toContain(BRIDGE_NAME);
    // Removing again is not an error.
    await loadFirewall(renderFirewallRemoval(), host.run.bind(host));
  });
});

