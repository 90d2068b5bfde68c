import { isIPv4 } from 'node:net';
import { HearthError } from '@hearth/sdk/contract';

/** An IPv4 network: its first address as a 32-bit number and its prefix length. */
export interface Ipv4Net {
  base: number;
  prefix: number;
}

export function parseIpv4(text: string): number {
  if (!isIPv4(text)) throw new HearthError('INVALID_PARAMS', `${JSON.stringify(text)} is not an IPv4 address`, { hint: 'write it like 10.123.0.7' });
  return text.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `10.123.0.0/24`; the address part must be the network's first address. */
export function parseIpv4Net(text: string): Ipv4Net {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim());
  const prefix = Number(match?.[2]);
  if (match === null || !isIPv4(match[1] ?? '') || prefix > 32) {
    throw new HearthError('INVALID_PARAMS', `${JSON.stringify(text)} is not an IPv4 network`, { hint: 'write it like 10.123.0.0/24' });
  }
  const address = parseIpv4(match[1] ?? '');
  const base = (address & maskOf(prefix)) >>> 0;
  if (base !== address) {
    throw new HearthError('INVALID_PARAMS', `${text} has host bits set`, { hint: `the network is ${formatIpv4(base)}/${prefix}` });
  }
  return { base, prefix };
}

export function formatIpv4Net(net: Ipv4Net): string {
  return `${formatIpv4(net.base)}/${net.prefix}`;
}

export function netSize(net: Ipv4Net): number {
  return 2 ** (32 - net.prefix);
}

export function contains(net: Ipv4Net, address: number): boolean {
  return address >= net.base && address < net.base + netSize(net);
}

export function overlaps(a: Ipv4Net, b: Ipv4Net): boolean {
  return a.base < b.base + netSize(b) && b.base < a.base + netSize(a);
}

/** The host's own address on the bridge: the network's first usable address (.1 of a /24). */
export function gatewayOf(net: Ipv4Net): number {
  return net.base + 1;
}

/**
 * The lowest address for a new service: after the gateway, before the broadcast address, and not
 * in `used`. Null when the network is full.
 */
export function nextFreeAddress(net: Ipv4Net, used: ReadonlySet<number>): number | null {
  const last = net.base + netSize(net) - 2;
  for (let address = gatewayOf(net) + 1; address <= last; address += 1) if (!used.has(address)) return address;
  return null;
}
