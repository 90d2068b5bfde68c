import { describe, expect, test } from 'vitest';
import { contains, formatIpv4, formatIpv4Net, gatewayOf, nextFreeAddress, overlaps, parseIpv4, parseIpv4Net } from './ipv4.js';

describe('IPv4 addresses and networks', () => {
  test('an address round-trips through its number', () => {
    for (const text of ['0.0.0.0', '10.123.0.7', '192.168.255.1', '255.255.255.255']) expect(formatIpv4(parseIpv4(text))).toBe(text);
    expect(parseIpv4('10.0.0.1')).toBe(0x0a000001);
  });

  test('a network with host bits set is refused and the hint names the network meant', () => {
    expect(() => parseIpv4Net('10.123.0.5/24')).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS', hint: 'the network is 10.123.0.0/24' }));
    expect(() => parseIpv4Net('10.123.0.0/33')).toThrow(/not an IPv4 network/);
    expect(() => parseIpv4Net('fd00::/64')).toThrow(/not an IPv4 network/);
    expect(formatIpv4Net(parseIpv4Net('10.123.0.0/24'))).toBe('10.123.0.0/24');
  });

  test('overlap and containment are decided on the whole ranges', () => {
    const net = parseIpv4Net('10.123.0.0/24');
    expect(overlaps(net, parseIpv4Net('10.0.0.0/8'))).toBe(true);
    expect(overlaps(net, parseIpv4Net('10.123.0.128/25'))).toBe(true);
    expect(overlaps(net, parseIpv4Net('10.123.1.0/24'))).toBe(false);
    expect(overlaps(net, parseIpv4Net('0.0.0.0/0'))).toBe(true);
    expect(contains(net, parseIpv4('10.123.0.255'))).toBe(true);
    expect(contains(net, parseIpv4('10.123.1.0'))).toBe(false);
  });

  test('services get addresses after the gateway, skipping used ones, never the broadcast address', () => {
    const net = parseIpv4Net('10.123.0.0/30');
    expect(formatIpv4(gatewayOf(net))).toBe('10.123.0.1');
    expect(nextFreeAddress(net, new Set())).toBe(parseIpv4('10.123.0.2'));
    expect(nextFreeAddress(net, new Set([parseIpv4('10.123.0.2')]))).toBeNull();
    const wide = parseIpv4Net('10.123.0.0/24');
    expect(formatIpv4(nextFreeAddress(wide, new Set([parseIpv4('10.123.0.2'), parseIpv4('10.123.0.3')])) ?? 0)).toBe('10.123.0.4');
  });
});
