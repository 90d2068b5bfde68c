import { execa } from 'execa';
import { HearthError } from '@hearth/sdk/contract';
import { formatIpv4, formatIpv4Net, overlaps, parseIpv4Net, type Ipv4Net } from './ipv4.js';
import { BRIDGE_NAME, macAddress } from './names.js';

export const NETWORK_COMMAND_TIMEOUT_MS = 10_000;

/**
 * Runs `ip`, `nft`, `sysctl` and `bridge`. Injected so a test can run hearth's network code in a
 * network namespace it made (`ip netns exec NS …`) without changing the host's own network.
 */
export type NetCommand = (file: string, args: readonly string[], input?: string) => Promise<string>;

export const runNetCommand: NetCommand = async (file, args, input) => {
  const result = await execa(file, args, { input, timeout: NETWORK_COMMAND_TIMEOUT_MS, reject: false, stripFinalNewline: true });
  if (result.exitCode !== 0) {
    throw new HearthError('NETWORK_FAILED', `${file} ${args.join(' ')} failed: ${(result.stderr || result.stdout || result.shortMessage || 'no output').trim()}`, {
      hint: 'check that nftables and iproute2 are installed and that hearthd runs as root',
    });
  }
  return result.stdout;
};

/** `ip netns exec NS …`: the same commands, inside a namespace. */
export function inNamespace(ns: string, run: NetCommand = runNetCommand): NetCommand {
  return async (file, args, input) => await run('ip', ['netns', 'exec', ns, file, ...args], input);
}

interface Route {
  dst: string;
  dev?: string;
}

/**
 * Refuses a subnet that overlaps a route the host has on another interface (a LAN, a VPN, a
 * Docker bridge): services would shadow those addresses. The default route is not an overlap.
 */
export async function assertSubnetFree(net: Ipv4Net, run: NetCommand): Promise<void> {
  const routes = JSON.parse((await run('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])) || '[]') as Route[];
  for (const route of routes) {
    if (route.dev === BRIDGE_NAME || route.dst === 'default' || route.dst === undefined) continue;
    let dst: Ipv4Net;
    try {
      dst = parseIpv4Net(route.dst.includes('/') ? route.dst : `${route.dst}/32`);
    } catch {
      continue; // broadcast/local entries with host bits or odd forms are not networks to avoid
    }
    if (dst.prefix === 0) continue;
    if (overlaps(net, dst)) {
      throw new HearthError('NETWORK_FAILED', `the service subnet ${formatIpv4Net(net)} overlaps ${route.dst} on ${route.dev ?? 'the host'}`, {
        hint: 'start hearthd with --subnet set to a free private range (for example 10.124.0.0/24), or --network none',
        details: { subnet: formatIpv4Net(net), route: route.dst, dev: route.dev },
      });
    }
  }
}

/**
 * hearth's bridge with the gateway address and a fixed MAC, up; created if missing, left as is when
 * right. The MAC is set, not left to the kernel: a bridge without one takes the lowest MAC of its
 * ports, so a service's restart (its veth leaving and coming back) could change the gateway's MAC
 * under every other service, whose ARP caches then send to the old one until they expire (a
 * dependent lost its dependency for 15-60 s after the dependency restarted).
 */
export async function ensureBridge(net: Ipv4Net, gateway: number, run: NetCommand): Promise<void> {
  const links = JSON.parse((await run('ip', ['-j', 'link', 'show'])) || '[]') as { ifname: string; address?: string }[];
  const bridge = links.find((l) => l.ifname === BRIDGE_NAME);
  if (bridge === undefined) await run('ip', ['link', 'add', BRIDGE_NAME, 'type', 'bridge']);
  const mac = macAddress(gateway);
  if (bridge?.address !== mac) await run('ip', ['link', 'set', 'dev', BRIDGE_NAME, 'address', mac]);
  const want = `${formatIpv4(gateway)}/${net.prefix}`;
  const addrs = JSON.parse((await run('ip', ['-j', '-4', 'addr', 'show', 'dev', BRIDGE_NAME])) || '[]') as { addr_info?: { local: string; prefixlen: number }[] }[];
  const have = (addrs[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
  for (const old of have) if (old !== want) await run('ip', ['addr', 'del', old, 'dev', BRIDGE_NAME]);
  if (!have.includes(want)) await run('ip', ['addr', 'add', want, 'dev', BRIDGE_NAME]);
  await run('ip', ['link', 'set', BRIDGE_NAME, 'up']);
  // Forwarding for traffic that arrives on the bridge, and host-port connections made from the
  // host's own loopback (DNAT to a service): both settings are the bridge's own, nothing else's.
  await run('sysctl', ['-qw', `net.ipv4.conf.${BRIDGE_NAME}.forwarding=1`, `net.ipv4.conf.${BRIDGE_NAME}.route_localnet=1`]);
}

/**
 * Replies from the outside world to a service with outbound access are forwarded too, which needs
 * the host-wide switch (as Docker, Podman and lxc-net set it). Turned on only when some service
 * has outbound access, and never turned off: other software may rely on it.
 */
export async function enableHostForwarding(run: NetCommand): Promise<void> {
  await run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
}

export async function removeBridge(run: NetCommand): Promise<void> {
  const links = JSON.parse((await run('ip', ['-j', 'link', 'show'])) || '[]') as { ifname: string }[];
  if (links.some((l) => l.ifname === BRIDGE_NAME)) await run('ip', ['link', 'del', BRIDGE_NAME]);
}

export async function loadFirewall(script: string, run: NetCommand): Promise<void> {
  await run('nft', ['-f', '-'], script);
}

/**
 * Pins a service's address to its MAC in the host's neighbour table: another service answering ARP
 * for that address cannot draw its traffic (the bridge table also drops such ARP replies).
 */
export async function pinNeighbour(address: number, mac: string, run: NetCommand): Promise<void> {
  await run('ip', ['neigh', 'replace', formatIpv4(address), 'lladdr', mac, 'dev', BRIDGE_NAME, 'nud', 'permanent']);
}

/** The addresses pinned on hearth's bridge (which must be up). */
export async function pinnedNeighbours(run: NetCommand): Promise<string[]> {
  const entries = JSON.parse((await run('ip', ['-j', '-4', 'neigh', 'show', 'dev', BRIDGE_NAME, 'nud', 'permanent'])) || '[]') as { dst?: string }[];
  return entries.flatMap((e) => (e.dst === undefined ? [] : [e.dst]));
}

export async function unpinNeighbour(address: string, run: NetCommand): Promise<void> {
  await run('ip', ['neigh', 'del', address, 'dev', BRIDGE_NAME]);
}

/** Puts a service's host-side veth on hearth's bridge, up (idempotent). */
export async function attachPort(port: string, run: NetCommand): Promise<void> {
  await run('ip', ['link', 'set', 'dev', port, 'master', BRIDGE_NAME, 'up']);
}
