import { formatIpv4 } from './ipv4.js';
import { macAddress, portName } from './names.js';

/**
 * LXC keys for a service's one veth. The address is a /32 with the gateway off-link (LXC adds the
 * device route to it), so every packet, even to another service, goes through the host's firewall
 * rather than straight across the bridge. hearthd puts the host end on its bridge once LXC made it
 * (`attachPort`): LXC's own attach decides "is it a bridge" from /sys/class/net, which shows
 * another namespace's devices when hearthd runs in a network namespace of its own (the tests).
 */
export function lxcNetworkLines(address: number, gateway: number): string[] {
  return [
    'lxc.net.0.type = veth',
    'lxc.net.0.flags = up',
    'lxc.net.0.name = eth0',
    `lxc.net.0.veth.pair = ${portName(address)}`,
    `lxc.net.0.hwaddr = ${macAddress(address)}`,
    `lxc.net.0.ipv4.address = ${formatIpv4(address)}/32`,
    `lxc.net.0.ipv4.gateway = ${formatIpv4(gateway)}`,
  ];
}
