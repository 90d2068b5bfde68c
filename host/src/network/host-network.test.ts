import { describe, expect, test } from 'vitest';
import { createLogger } from '../log.js';
import { HostNetwork } from './host-network.js';
import { parseIpv4Net } from './ipv4.js';
import type { NetworkedService } from './model.js';
import type { NetCommand } from './system.js';

const quiet = createLogger({}, () => true);
const SUBNET = parseIpv4Net('10.123.0.0/24');

/** `ip`, `nft` and `sysctl` as far as HostNetwork uses them: links, pinned neighbours and hearth's tables. */
function fakeHost(links: string[] = [], routes: { dst: string; dev: string }[] = []) {
  const host = { links: new Set(links), pinned: new Set<string>(), tables: false };
  const run: NetCommand = (file, args, input) => Promise.resolve(answer(file, args, input));
  const answer = (file: string, args: readonly string[], input?: string): string => {
    const a = args.join(' ');
    if (file === 'nft') {
      host.tables = /\bchain\b/.test(input ?? ''); // the removal script deletes the tables, a rule set defines chains
      return '';
    }
    if (a === '-j -4 route show table all') return JSON.stringify(routes);
    if (a === '-j link show') return JSON.stringify([...host.links].map((ifname) => ({ ifname })));
    if (a === 'link add hearth0 type bridge') host.links.add('hearth0');
    if (a === 'link del hearth0') {
      host.links.delete('hearth0');
      host.pinned.clear();
    }
    if (a.startsWith('-j -4 neigh show dev hearth0')) return JSON.stringify([...host.pinned].map((dst) => ({ dst })));
    if (a.startsWith('neigh replace ')) host.pinned.add(args[2] ?? '');
    if (a.startsWith('neigh del ')) host.pinned.delete(args[2] ?? '');
    return a.startsWith('-j') ? '[]' : '';
  };
  return { host, run };
}

const service = (id: string, address: string): NetworkedService => ({ id, address, outbound: false, interfaces: {}, hostPorts: {}, uses: {} });

describe('HostNetwork: what it leaves on the host', () => {
  test('the bridge and tables come with the first installed service and go with the last', async () => {
    const { host, run } = fakeHost();
    const net = await HostNetwork.open(SUBNET, quiet, run);
    expect(host.links.has('hearth0')).toBe(false);
    await net.apply([service('a', '10.123.0.2')], '0.0.0.0');
    expect(host.links.has('hearth0')).toBe(true);
    expect(host.tables).toBe(true);
    expect([...host.pinned]).toEqual(['10.123.0.2']);
    await net.apply([], '0.0.0.0');
    expect(host.links.has('hearth0')).toBe(false);
    expect(host.tables).toBe(false);
    await net.apply([service('b', '10.123.0.3')], '0.0.0.0');
    expect(host.links.has('hearth0')).toBe(true);
    expect(host.tables).toBe(true);
  });

  test("an uninstalled service's pinned address is removed with it", async () => {
    const { host, run } = fakeHost();
    const net = await HostNetwork.open(SUBNET, quiet, run);
    await net.apply([service('a', '10.123.0.2'), service('b', '10.123.0.3')], '0.0.0.0');
    expect([...host.pinned].sort()).toEqual(['10.123.0.2', '10.123.0.3']);
    await net.apply([service('a', '10.123.0.2')], '0.0.0.0');
    expect([...host.pinned]).toEqual(['10.123.0.2']);
  });

  test('a bridge and tables a hearthd that died left are removed when nothing is installed', async () => {
    const { host, run } = fakeHost(['lo', 'hearth0']);
    host.tables = true;
    const net = await HostNetwork.open(SUBNET, quiet, run);
    await net.apply([], '0.0.0.0');
    expect([...host.links]).toEqual(['lo']);
    expect(host.tables).toBe(false);
  });

  test('a subnet that overlaps a route of the host is refused at boot, naming the route; the default route and its own bridge are not overlaps', async () => {
    const lan = fakeHost([], [{ dst: 'default', dev: 'eth0' }, { dst: '10.123.0.0/24', dev: 'hearth0' }, { dst: '10.0.0.0/8', dev: 'wg0' }]);
    await expect(HostNetwork.open(SUBNET, quiet, lan.run)).rejects.toMatchObject({ code: 'NETWORK_FAILED', message: 'the service subnet 10.123.0.0/24 overlaps 10.0.0.0/8 on wg0' });
    expect(lan.host.links.size).toBe(0);
    const clear = fakeHost([], [{ dst: 'default', dev: 'eth0' }, { dst: '192.168.1.0/24', dev: 'eth0' }, { dst: '10.123.0.0/24', dev: 'hearth0' }]);
    await expect(HostNetwork.open(SUBNET, quiet, clear.run)).resolves.toBeInstanceOf(HostNetwork);
  });
});
