/**
 * /etc/hosts, /etc/hostname and /etc/resolv.conf as hearth writes them into every daemon's root,
 * as Podman and Docker do, instead of whatever the image builder left (debootstrap images carry
 * the build host's, or none). Pure: the caller writes them.
 */

/** What the files say. Loopback-only today; a network of its own fills `address` and `nameservers`. */
export interface NetworkIdentity {
  /** The service's own name: its hostname, and a name for its address in /etc/hosts. */
  hostname: string;
  /** Where the service's own name points. */
  address: string;
  /** Resolvers for /etc/resolv.conf; none: lookups of other names fail at once. */
  nameservers: string[];
  /** Search domains for /etc/resolv.conf. */
  search: string[];
  /** More names in /etc/hosts: the service's `<id>.hearth` and its dependencies'. */
  hosts: { name: string; address: string }[];
}

/** A service with only loopback: its name is 127.0.0.1, and no resolvers. */
export function loopbackIdentity(serviceId: string): NetworkIdentity {
  return { hostname: serviceId, address: '127.0.0.1', nameservers: [], search: [], hosts: [] };
}

export function hostsFile(identity: NetworkIdentity): string {
  const own = identity.address === '127.0.0.1' ? [] : [`${identity.address}\t${identity.hostname}`];
  return [
    '# written by hearth when the daemon’s root is mounted',
    `127.0.0.1\tlocalhost${identity.address === '127.0.0.1' ? ` ${identity.hostname}` : ''}`,
    '::1\tlocalhost ip6-localhost ip6-loopback',
    ...own,
    ...identity.hosts.map((h) => `${h.address}\t${h.name}`),
    '',
  ].join('\n');
}

export function hostnameFile(identity: NetworkIdentity): string {
  return `${identity.hostname}\n`;
}

export function resolvConf(identity: NetworkIdentity): string {
  const lines = ['# written by hearth when the daemon’s root is mounted'];
  if (identity.nameservers.length === 0) lines.push('# this service has no network: only names in /etc/hosts resolve');
  if (identity.search.length > 0) lines.push(`search ${identity.search.join(' ')}`);
  for (const server of identity.nameservers) lines.push(`nameserver ${server}`);
  return `${lines.join('\n')}\n`;
}

/** The three files by their name under /etc. */
export function etcFiles(identity: NetworkIdentity): Record<'hosts' | 'hostname' | 'resolv.conf', string> {
  return { hosts: hostsFile(identity), hostname: hostnameFile(identity), 'resolv.conf': resolvConf(identity) };
}
