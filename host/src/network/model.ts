import type { FirewallModel, Forward, Grant } from './firewall.js';
import { parseIpv4, type Ipv4Net } from './ipv4.js';

/** What the firewall needs to know of one installed service. */
export interface NetworkedService {
  id: string;
  /** Its address on the bridge (state.json). */
  address: string;
  /** The user granted outbound access (the manifest asked, the user did not revoke it). */
  outbound: boolean;
  /** Its interfaces' container ports. */
  interfaces: Record<string, { port: number; protocol: 'http' | 'tcp' }>;
  /** Host port of each interface. */
  hostPorts: Record<string, number>;
  /** The interfaces of other packages it declared it uses, by package id. */
  uses: Record<string, readonly string[]>;
}

/**
 * The firewall for the installed services: each dependent may reach the interfaces it declared of
 * its dependencies (when those are installed and have them), each interface is offered on its host
 * port at `bindAddress`, and outbound access is as granted. Everything else is dropped.
 */
export function firewallModel(net: Ipv4Net, gateway: number, bindAddress: string, services: readonly NetworkedService[]): FirewallModel {
  const byId = new Map(services.map((s) => [s.id, s]));
  const grants: Grant[] = [];
  const forwards: Forward[] = [];
  for (const service of services) {
    const from = parseIpv4(service.address);
    for (const [depId, interfaceIds] of Object.entries(service.uses)) {
      const dep = byId.get(depId);
      if (dep === undefined) continue;
      for (const interfaceId of interfaceIds) {
        const iface = dep.interfaces[interfaceId];
        if (iface !== undefined) grants.push({ fromId: service.id, toId: dep.id, interfaceId, from, to: parseIpv4(dep.address), port: iface.port, protocol: 'tcp' });
      }
    }
    for (const [interfaceId, iface] of Object.entries(service.interfaces)) {
      const hostPort = service.hostPorts[interfaceId];
      if (hostPort !== undefined) forwards.push({ serviceId: service.id, interfaceId, bindAddress, hostPort, to: from, port: iface.port, protocol: 'tcp' });
    }
  }
  return {
    net,
    gateway,
    services: services.map((s) => ({ id: s.id, address: parseIpv4(s.address), outbound: s.outbound })),
    grants,
    forwards,
  };
}
