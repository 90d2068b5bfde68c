import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatIpv4, gatewayOf, parseIpv4, parseIpv4Net } from './ipv4.js';
import { describeFirewall } from './describe.js';
import { firewallModel, type NetworkedService } from './model.js';
import { hostResolvers } from './resolvers.js';

const NET = parseIpv4Net('10.123.0.0/24');
const svc = (id: string, address: string, extra: Partial<NetworkedService> = {}): NetworkedService => ({
  id,
  address,
  outbound: false,
  interfaces: {},
  hostPorts: {},
  uses: {},
  ...extra,
});

describe('the firewall model of the installed services', () => {
  test('a dependent is granted exactly the interfaces it declared, of dependencies that have them', () => {
    const model = firewallModel(NET, gatewayOf(NET), '127.0.0.1', [
      svc('app', '10.123.0.2', { uses: { db: ['main', 'missing'], absent: ['x'] } }),
      svc('db', '10.123.0.3', { interfaces: { main: { port: 5432, protocol: 'tcp' }, admin: { port: 8080, protocol: 'tcp' } } }),
    ]);
    expect(model.grants.map((g) => `${formatIpv4(g.from)}->${formatIpv4(g.to)}:${g.port}`)).toEqual(['10.123.0.2->10.123.0.3:5432']);
  });

  test('each interface with a host port is forwarded at the bind address; outbound is as granted', () => {
    const model = firewallModel(NET, gatewayOf(NET), '0.0.0.0', [
      svc('web', '10.123.0.4', { outbound: true, interfaces: { http: { port: 80, protocol: 'tcp' }, noport: { port: 81, protocol: 'tcp' } }, hostPorts: { http: 8400 } }),
    ]);
    expect(model.forwards).toEqual([{ serviceId: 'web', interfaceId: 'http', bindAddress: '0.0.0.0', hostPort: 8400, to: parseIpv4('10.123.0.4'), port: 80, protocol: 'tcp' }]);
    expect(model.services).toEqual([{ id: 'web', address: parseIpv4('10.123.0.4'), outbound: true }]);
  });
});

describe("the host's resolvers as a container can use them", () => {
  const withFiles = async (resolv: string, upstream: string | null, check: (files: { resolvConf: string; resolvedUpstream: string }) => Promise<void>): Promise<void> => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-resolv-'));
    try {
      const files = { resolvConf: join(dir, 'resolv.conf'), resolvedUpstream: join(dir, 'upstream.conf') };
      await writeFile(files.resolvConf, resolv);
      if (upstream !== null) await writeFile(files.resolvedUpstream, upstream);
      await check(files);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  test('non-loopback IPv4 servers are used as listed', async () => {
    await withFiles('# comment\nnameserver 192.0.2.53\nnameserver ::1\nnameserver 198.51.100.1\nsearch lan\n', null, async (files) => {
      expect(await hostResolvers(files)).toEqual(['192.0.2.53', '198.51.100.1']);
    });
  });

  test("a loopback stub (systemd-resolved) is replaced by its upstream list, or by none", async () => {
    await withFiles('nameserver 127.0.0.53\n', 'nameserver 192.0.2.1\n', async (files) => expect(await hostResolvers(files)).toEqual(['192.0.2.1']));
    await withFiles('nameserver 127.0.0.53\n', null, async (files) => expect(await hostResolvers(files)).toEqual([]));
  });
});

describe('the firewall in words', () => {
  test('each grant, outbound permission and host port is one sentence, and the default is said last', () => {
    const model = firewallModel(NET, gatewayOf(NET), '127.0.0.1', [
      svc('app', '10.123.0.2', { uses: { db: ['main'] }, outbound: true }),
      svc('db', '10.123.0.3', { interfaces: { main: { port: 5432, protocol: 'tcp' } }, hostPorts: { main: 8401 } }),
    ]);
    expect(describeFirewall(model).map((r) => r.text)).toEqual([
      'app has address 10.123.0.2 on hearth0 (10.123.0.0/24) and sends only as it',
      'db has address 10.123.0.3 on hearth0 (10.123.0.0/24) and sends only as it',
      'app (10.123.0.2) may connect to db at db.hearth:5432/tcp (its interface main): a declared dependency',
      'app (10.123.0.2) may connect to the internet and the LAN (outbound access granted)',
      'connections to 127.0.0.1:8401/tcp go to db (10.123.0.3) port 5432 (its interface main)',
      'everything else a service sends is refused: to other services and outward without outbound access (at once, administratively prohibited), to the host itself (dropped); replies pass',
    ]);
  });
});
