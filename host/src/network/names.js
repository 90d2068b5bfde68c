import { formatIpv4 } from './ipv4.js';
/** hearth's bridge, its nftables tables' name, and the prefix of its veth ports. */
export const BRIDGE_NAME = 'hearth0';
export const NFT_TABLE = 'hearth';
export const PORT_PREFIX = 'hth';
/**
 * The host end of a service's veth, named after its address (unique on the bridge, and within
 * IFNAMSIZ: 3 + 8 hex = 11 characters), so rules can name a port before LXC creates it.
 */
export function portName(address) {
    return `${PORT_PREFIX}${address.toString(16).padStart(8, '0')}`;
}
/** A locally administered unicast MAC from the address: the host pins it in its neighbour table. */
export function macAddress(address) {
    const bytes = [0x02, 0x68, (address >>> 24) & 0xff, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff];
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
/** `<id>.hearth`: the name a dependent reaches a service by. */
export function serviceHostname(serviceId) {
    return `${serviceId}.hearth`;
}
export { formatIpv4 };
//# sourceMappingURL=names.js.map