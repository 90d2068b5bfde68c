import type { Logger } from '../log.js';
import { renderFirewall, renderFirewallRemoval, type FirewallModel } from './firewall.js';
import { contains, formatIpv4, formatIpv4Net, gatewayOf, nextFreeAddress, parseIpv4, type Ipv4Net } from './ipv4.js';
import { lxcNetworkLines } from './lxc-net.js';
import { firewallModel, type NetworkedService } from './model.js';
import { macAddress, portName, serviceHostname } from './names.js';
import { hostResolvers } from './resolvers.js';
import { assertSubnetFree, attachPort, enableHostForwarding, ensureBridge, loadFirewall, pinNeighbour, pinnedNeighbours, removeBridge, runNetCommand, unpinNeighbour, type NetCommand } from './system.js';
import { HearthError, dict, type ProvidedDependencies } from '@hearth/sdk/contract';

/** What a service's daemons see of the network: written for the runtime before each start. */
export interface ContainerNetwork {
  address: string;
  gateway: string;
  /** Names in every daemon's /etc/hosts: the service's own, and each dependency's `<id>.hearth`. */
  hosts: { name: string; address: string }[];
  /** DNS servers for /etc/resolv.conf: the host's for a service with outbound access, else none. */
  nameservers: string[];
  /** Per declared dependency that is installed: its name and the declared interfaces' ports (for `dependencyAddress`). */
  dependencies: ProvidedDependencies;
}

/**
 * hearth's bridge network on this host: the bridge, the service addresses in its subnet, and its
 * nftables tables, rebuilt whole from the installed services by `apply`. Calls are serialized.
 */
export class HostNetwork {
  private chain: Promise<unknown> = Promise.resolve();
  private forwarding = false;
  /** Whether the bridge and tables are there; unknown until the first `apply` (a dead hearthd may have left them). */
  private presence: 'unknown' | 'up' | 'down' = 'unknown';

  private constructor(
    readonly subnet: Ipv4Net,
    private readonly run: NetCommand,
    private readonly logger: Logger,
  ) {}

  /**
   * Checks the subnet against the host's routes. The bridge and tables come with the first
   * `apply` that has a service installed (one a hearthd that died left behind is reused).
   */
  static async open(subnet: Ipv4Net, logger: Logger, run: NetCommand = runNetCommand): Promise<HostNetwork> {
    await assertSubnetFree(subnet, run);
    return new HostNetwork(subnet, run, logger);
  }

  get gateway(): string {
    return formatIpv4(gatewayOf(this.subnet));
  }

  /** True when `address` is a service address of this subnet (after a --subnet change it is not). */
  owns(address: string | undefined): address is string {
    if (address === undefined) return false;
    const n = parseIpv4(address);
    return contains(this.subnet, n) && n > gatewayOf(this.subnet);
  }

  /** The lowest free address, for a new install. */
  allocate(used: Iterable<string>): string {
    const taken = new Set([...used].filter((a) => this.owns(a)).map(parseIpv4));
    const next = nextFreeAddress(this.subnet, taken);
    if (next === null) {
      throw new HearthError('NETWORK_FAILED', `no free address left in ${formatIpv4Net(this.subnet)}`, { hint: 'restart hearthd with a larger --subnet' });
    }
    return formatIpv4(next);
  }

  lxcConfigLines(address: string): string[] {
    return lxcNetworkLines(parseIpv4(address), gatewayOf(this.subnet));
  }

  model(services: readonly NetworkedService[], bindAddress: string): FirewallModel {
    return firewallModel(this.subnet, gatewayOf(this.subnet), bindAddress, services);
  }

  /** The host end of a service's veth, on the bridge (after LXC made it). */
  async attach(address: string): Promise<void> {
    await attachPort(portName(parseIpv4(address)), this.run);
  }

  /**
   * Replaces hearth's tables with the rules for these (installed) services and pins each one's MAC,
   * bringing up the bridge first when needed. With none installed, the bridge and tables go: as
   * netavark removes Podman's bridge when its last container leaves, nothing of hearth's stays on
   * the host's network while it has nothing to run.
   */
  async apply(services: readonly NetworkedService[], bindAddress: string): Promise<void> {
    await this.serialized(async () => {
      if (services.length === 0) {
        if (this.presence !== 'down') await this.remove('no service installed');
        return;
      }
      if (this.presence !== 'up') {
        await ensureBridge(this.subnet, gatewayOf(this.subnet), this.run);
        this.presence = 'up';
        this.logger.info('service network up', { subnet: formatIpv4Net(this.subnet), gateway: this.gateway });
      }
      const model = this.model(services, bindAddress);
      if (!this.forwarding && model.services.some((s) => s.outbound)) {
        await enableHostForwarding(this.run);
        this.forwarding = true;
      }
      await loadFirewall(renderFirewall(model), this.run);
      const addresses = new Set(model.services.map((s) => formatIpv4(s.address)));
      // An uninstalled service's pinned address goes with it.
      for (const pinned of await pinnedNeighbours(this.run)) if (!addresses.has(pinned)) await unpinNeighbour(pinned, this.run);
      for (const s of model.services) await pinNeighbour(s.address, macAddress(s.address), this.run);
    });
  }

  async containerNetwork(service: NetworkedService, all: readonly NetworkedService[]): Promise<ContainerNetwork> {
    const byId = new Map(all.map((s) => [s.id, s]));
    const hosts = [{ name: serviceHostname(service.id), address: service.address }];
    const dependencies: ProvidedDependencies = dict();
    for (const [depId, uses] of Object.entries(service.uses)) {
      const dep = byId.get(depId);
      if (dep === undefined) continue;
      hosts.push({ name: serviceHostname(depId), address: dep.address });
      const interfaces: ProvidedDependencies[string]['interfaces'] = dict();
      for (const iface of uses) {
        const declared = Object.hasOwn(dep.interfaces, iface) ? dep.interfaces[iface] : undefined;
        if (declared) interfaces[iface] = { port: declared.port, protocol: declared.protocol };
      }
      dependencies[depId] = { host: serviceHostname(depId), interfaces };
    }
    return { address: service.address, gateway: this.gateway, hosts, nameservers: service.outbound ? await hostResolvers() : [], dependencies };
  }

  /** Removes hearth's tables and the bridge (its veths are gone with their containers). */
  async close(): Promise<void> {
    await this.serialized(async () => await this.remove('hearthd stopping'));
  }

  private async remove(reason: string): Promise<void> {
    await loadFirewall(renderFirewallRemoval(), this.run);
    await removeBridge(this.run);
    this.presence = 'down';
    this.logger.info('service network removed', { reason });
  }

  private async serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return await next;
  }
}
