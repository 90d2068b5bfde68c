import { formatIpv4, formatIpv4Net, type Ipv4Net } from './ipv4.js';
import { BRIDGE_NAME, NFT_TABLE, PORT_PREFIX, macAddress, portName } from './names.js';

/** What the firewall is rendered from: every service with an address, and what each may reach. */
export interface FirewallModel {
  net: Ipv4Net;
  gateway: number;
  services: readonly FirewallService[];
  /** A dependent's access to one interface of its dependency. */
  grants: readonly Grant[];
  /** Host ports forwarded to a service's interface (DNAT: they work while hearthd is down). */
  forwards: readonly Forward[];
}

export interface FirewallService {
  id: string;
  address: number;
  /** The user let it open connections to the outside world. */
  outbound: boolean;
}

export interface Grant {
  /** Service ids and the interface, for people (`hearth net`); the rules use the addresses. */
  fromId: string;
  toId: string;
  interfaceId: string;
  from: number;
  to: number;
  port: number;
  protocol: 'tcp' | 'udp';
}

export interface Forward {
  serviceId: string;
  interfaceId: string;
  /** Host address the port is offered on; `0.0.0.0` for every local address. */
  bindAddress: string;
  hostPort: number;
  to: number;
  port: number;
  protocol: 'tcp' | 'udp';
}

const ANY_ADDRESS = '0.0.0.0';

/** `{ a, b }`, or null for an empty set (nft has no empty anonymous set). */
function set(items: readonly string[]): string | null {
  return items.length === 0 ? null : `{ ${items.join(', ')} }`;
}

function forwardMatch(f: Forward): string {
  const where = f.bindAddress === ANY_ADDRESS ? 'fib daddr type local' : `ip daddr ${f.bindAddress}`;
  return `${where} ${f.protocol} dport ${f.hostPort} dnat ip to ${formatIpv4(f.to)}:${f.port}`;
}

/**
 * hearth's own tables, whole: loading the script replaces them in one transaction (the empty
 * declaration makes the delete valid when the table does not exist yet). No other table, chain or
 * interface is touched, and every rule matches hearth's bridge, so other traffic passes as before.
 */
export function renderFirewall(model: FirewallModel): string {
  const br = `"${BRIDGE_NAME}"`;
  const outbound = set(model.services.filter((s) => s.outbound).map((s) => formatIpv4(s.address)));
  const inet = [
    `table inet ${NFT_TABLE} {`,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    iifname ${br} ct state established,related accept`,
    `    oifname ${br} ct state established,related accept`,
    // Host ports: traffic that prerouting/output forwarded to a service (never from a service).
    `    oifname ${br} ct status dnat accept`,
    ...model.grants.map((g) => `    iifname ${br} oifname ${br} ip saddr ${formatIpv4(g.from)} ip daddr ${formatIpv4(g.to)} ${g.protocol} dport ${g.port} accept`),
    ...(outbound === null ? [] : [`    iifname ${br} oifname != ${br} ip saddr ${outbound} accept`]),
    // Refused, not dropped, toward the service: its connection fails at once ("administratively
    // prohibited") instead of hanging until its own timeout. What comes from outside is dropped.
    `    iifname ${br} reject with icmpx type admin-prohibited`,
    `    oifname ${br} drop`,
    '  }',
    // A service reaches nothing on the host itself: not hearthd, not the host's other ports.
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    iifname ${br} ct state established,related accept`,
    `    iifname ${br} drop`,
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...model.forwards.map((f) => `    iifname != ${br} ${forwardMatch(f)}`),
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    ...model.forwards.map((f) => `    ${forwardMatch(f)}`),
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    // A host-port connection made from the host's loopback: the service answers the gateway.
    `    oifname ${br} ip saddr 127.0.0.0/8 masquerade`,
    ...(outbound === null ? [] : [`    oifname != ${br} ip saddr ${outbound} masquerade`]),
    '  }',
    '}',
  ];
  // On the bridge itself: a service sends only as its own address and MAC (so the rules above can
  // trust `ip saddr`), and no frame goes from one service's port to another's: services meet only
  // through the forward chain.
  const bridge = [
    `table bridge ${NFT_TABLE} {`,
    '  chain prerouting {',
    '    type filter hook prerouting priority -200; policy accept;',
    ...model.services.flatMap((s) => {
      const port = `"${portName(s.address)}"`;
      const mac = macAddress(s.address);
      const ip = formatIpv4(s.address);
      return [
        `    iifname ${port} ether saddr ${mac} ether type arp arp saddr ether ${mac} arp saddr ip ${ip} accept`,
        `    iifname ${port} ether saddr ${mac} ether type ip ip saddr ${ip} accept`,
      ];
    }),
    `    iifname "${PORT_PREFIX}*" drop`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    iifname "${PORT_PREFIX}*" drop`,
    '  }',
    '}',
  ];
  const header = [`# hearth's firewall for ${formatIpv4Net(model.net)} on ${BRIDGE_NAME}, gateway ${formatIpv4(model.gateway)}; rewritten whole on every change`];
  return [...header, `table inet ${NFT_TABLE}`, `delete table inet ${NFT_TABLE}`, ...inet, `table bridge ${NFT_TABLE}`, `delete table bridge ${NFT_TABLE}`, ...bridge, ''].join('\n');
}

/** Removes hearth's tables (and nothing else); valid whether they exist or not. */
export function renderFirewallRemoval(): string {
  return [`table inet ${NFT_TABLE}`, `delete table inet ${NFT_TABLE}`, `table bridge ${NFT_TABLE}`, `delete table bridge ${NFT_TABLE}`, ''].join('\n');
}
