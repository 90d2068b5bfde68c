import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NETWORK_FILE_NAME, type Manifest, type ServiceNetworkStatus } from '@hearth/sdk/contract';
import type { HostNetwork, ContainerNetwork } from '../network/host-network.js';
import type { NetworkedService } from '../network/model.js';
import { describeFirewall, type RuleDescription } from '../network/describe.js';
import { serviceHostname } from '../network/names.js';
import type { ServiceRecord, StateStore } from '../store/state.js';
import type { Logger } from '../log.js';

/**
 * The services' side of hearth's bridge: their addresses (in state.json), which of them are
 * running (only those get their host ports forwarded), and the firewall rebuilt from both
 * whenever either changes. Readiness of dependencies is asked of the manager.
 */
export class ServiceNetwork {
  private readonly active = new Set<string>();

  constructor(
    readonly host: HostNetwork,
    private readonly state: StateStore,
    private readonly manifests: ReadonlyMap<string, Manifest>,
    private readonly bindAddress: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Gives an address to each installed service without one in the subnet: the first boot with a
   * bridge, or a --subnet change (each is logged). Addresses already held are never moved.
   */
  async assignMissing(): Promise<void> {
    await this.state.update((draft) => {
      const used = Object.values(draft.services).flatMap((s) => (this.host.owns(s.network?.address) ? [s.network.address] : []));
      for (const [id, record] of Object.entries(draft.services)) {
        if (this.host.owns(record.network?.address)) continue;
        const address = this.host.allocate(used);
        used.push(address);
        const outbound = record.network?.outbound ?? this.manifests.get(id)?.network.outbound ?? false;
        if (record.network !== undefined) this.logger.warn('service address moved into the subnet', { service: id, from: record.network.address, to: address });
        record.network = { address, outbound };
      }
    });
  }

  /** The address for a new install: the one it has, else the lowest free one. */
  addressFor(id: string): string {
    const services = this.state.state.services;
    const existing = services[id]?.network?.address;
    if (this.host.owns(existing)) return existing;
    return this.host.allocate(Object.entries(services).flatMap(([other, s]) => (other !== id && s.network ? [s.network.address] : [])));
  }

  /** The firewall for the installed services, forwarding host ports of the active ones. */
  private services(): NetworkedService[] {
    return Object.entries(this.state.state.services).flatMap(([id, record]) => {
      const manifest = this.manifests.get(id);
      if (manifest === undefined || record.network === undefined) return [];
      return [toNetworked(id, record, manifest, this.active.has(id))];
    });
  }

  /**
   * At boot, before adoption: services that should run keep their host ports forwarded, so a
   * hearthd restart does not interrupt connections to the containers it is about to adopt.
   */
  primeActive(): void {
    for (const [id, record] of Object.entries(this.state.state.services)) if (record.desired === 'running') this.active.add(id);
  }

  async refresh(): Promise<void> {
    await this.host.apply(this.services(), this.bindAddress);
  }

  /** A service about to start (or adopted): its host ports are forwarded from now on. */
  async activate(id: string): Promise<void> {
    this.active.add(id);
    await this.refresh();
  }

  async deactivate(id: string): Promise<void> {
    if (!this.active.delete(id)) return;
    await this.refresh();
  }

  addressOf(id: string): string | undefined {
    return this.state.state.services[id]?.network?.address;
  }

  /** After lxc-start: the service's veth joins the bridge. */
  async attach(id: string): Promise<void> {
    const address = this.state.state.services[id]?.network?.address;
    if (address !== undefined) await this.host.attach(address);
  }

  lxcConfigLines(id: string): string[] {
    const address = this.state.state.services[id]?.network?.address;
    return address === undefined ? [] : this.host.lxcConfigLines(address);
  }

  /** Writes what the runtime needs to set up each daemon's /etc/hosts and /etc/resolv.conf. */
  async writeContainerFile(id: string, hostDir: string): Promise<ContainerNetwork | null> {
    const all = this.services();
    const self = all.find((s) => s.id === id);
    if (self === undefined) return null;
    const network = await this.host.containerNetwork(self, all);
    await writeFile(join(hostDir, NETWORK_FILE_NAME), `${JSON.stringify(network)}\n`, { mode: 0o644 });
    return network;
  }

  status(id: string, waitingFor: string[]): ServiceNetworkStatus | undefined {
    const record = this.state.state.services[id];
    const manifest = this.manifests.get(id);
    if (record?.network === undefined || manifest === undefined) return undefined;
    const reachableFrom = [...this.manifests]
      .filter(([other]) => other !== id && this.state.state.services[other] !== undefined)
      .flatMap(([other, m]) => {
        const uses = m.dependencies[id];
        return uses === undefined ? [] : [{ id: other, interfaces: uses.interfaces.filter((i) => Object.hasOwn(manifest.interfaces, i)) }];
      });
    return {
      address: record.network.address,
      hostname: serviceHostname(id),
      outboundRequested: manifest.network.outbound,
      outbound: record.network.outbound,
      reachableFrom,
      waitingFor,
    };
  }

  rules(): RuleDescription[] {
    return describeFirewall(this.host.model(this.services(), this.bindAddress));
  }
}

function toNetworked(id: string, record: ServiceRecord, manifest: Manifest, active: boolean): NetworkedService {
  return {
    id,
    address: record.network?.address ?? '',
    outbound: record.network?.outbound ?? false,
    interfaces: manifest.interfaces,
    hostPorts: active ? record.ports : {},
    uses: Object.fromEntries(Object.entries(manifest.dependencies).map(([dep, d]) => [dep, d.interfaces])),
  };
}
