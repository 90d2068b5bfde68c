import type { FirewallModel } from './firewall.js';
import { formatIpv4, formatIpv4Net } from './ipv4.js';
import { BRIDGE_NAME, serviceHostname } from './names.js';

/** One rule hearth holds, as a sentence and as data (`hearth net --json`). */
export interface RuleDescription {
  kind: 'service' | 'dependency' | 'outbound' | 'host-port' | 'default';
  text: string;
}

/** The firewall in words, in the order a packet meets it. */
export function describeFirewall(model: FirewallModel): RuleDescription[] {
  const name = new Map(model.services.map((s) => [s.address, s.id]));
  const who = (address: number): string => `${name.get(address) ?? '?'} (${formatIpv4(address)})`;
  return [
    ...model.services.map((s) => ({ kind: 'service' as const, text: `${s.id} has address ${formatIpv4(s.address)} on ${BRIDGE_NAME} (${formatIpv4Net(model.net)}) and sends only as it` })),
    ...model.grants.map((g) => ({
      kind: 'dependency' as const,
      text: `${who(g.from)} may connect to ${g.toId} at ${serviceHostname(g.toId)}:${g.port}/${g.protocol} (its interface ${g.interfaceId}): a declared dependency`,
    })),
    ...model.services.filter((s) => s.outbound).map((s) => ({ kind: 'outbound' as const, text: `${who(s.address)} may connect to the internet and the LAN (outbound access granted)` })),
    ...model.forwards.map((f) => ({
      kind: 'host-port' as const,
      text: `connections to ${f.bindAddress === '0.0.0.0' ? 'any host address' : f.bindAddress}:${f.hostPort}/${f.protocol} go to ${who(f.to)} port ${f.port} (its interface ${f.interfaceId})`,
    })),
    { kind: 'default', text: 'everything else a service sends is refused: to other services and outward without outbound access (at once, administratively prohibited), to the host itself (dropped); replies pass' },
  ];
}
