import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';

export const RESOLV_CONF = '/etc/resolv.conf';
/** systemd-resolved's list of the real upstream servers, behind its 127.0.0.53 stub. */
export const RESOLVED_UPSTREAM = '/run/systemd/resolve/resolv.conf';

function nameservers(text: string): string[] {
  return text
    .split('\n')
    .map((line) => /^\s*nameserver\s+(\S+)/.exec(line)?.[1])
    .filter((ns): ns is string => ns !== undefined && isIP(ns) === 4);
}

const isLoopback = (address: string): boolean => address.startsWith('127.');

/**
 * The host's DNS servers as a service with outbound access can use them: a loopback resolver on
 * the host (systemd-resolved's stub, a local dnsmasq) is not reachable from a container, so its
 * upstream list is used instead, as Docker and Podman do. Empty when the host has none usable.
 */
export async function hostResolvers(files: { resolvConf: string; resolvedUpstream: string } = { resolvConf: RESOLV_CONF, resolvedUpstream: RESOLVED_UPSTREAM }): Promise<string[]> {
  const read = async (path: string): Promise<string> => await readFile(path, 'utf8').catch(() => '');
  const direct = nameservers(await read(files.resolvConf));
  const usable = direct.filter((ns) => !isLoopback(ns));
  if (usable.length > 0 || direct.length === 0) return usable;
  return nameservers(await read(files.resolvedUpstream)).filter((ns) => !isLoopback(ns));
}
