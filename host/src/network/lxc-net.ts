import { formatIpv4 } from './ipv4.js';
import { BRIDGE_NAME, macAddress, portName } from './names.js';

/**
 * LXC keys for a service's one veth on hearth's bridge. The address is a /32 with the gateway
 * off-link (LXC adds the device route to it), so every packet, even to another service, goes
 * through the host's firewall rather than straight across the bridge.
 */
export function lxcNetworkLines(address: number, gateway: number): string[] {
  return [
    'lxc.net.0.type = veth',
    `lxc.net.0.link = ${BRIDGE_NAME}`,
    'lxc.net.0.flags = up',
    'lxc.net.0.name = eth0',
    `lxc.net.0.veth.pair = ${portName(address)}`,
    `lxc.net.0.hwaddr = ${macAddress(address)}`,
    `lxc.net.0.ipv4.address = ${formatIpv4(address)}/32`,
    `lxc.net.0.ipv4.gateway = ${formatIpv4(gateway)}`,
  ];
}
