import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { HearthError, parseJsonDict } from '@hearth/sdk/contract';
import { loopbackIdentity, type NetworkIdentity } from './host-files.js';

/** hearthd writes a few hundred bytes; anything near this is not its file. */
const MAX_NETWORK_FILE_BYTES = 64 * 1024;
const NAME_RE = /^[a-z0-9][a-z0-9.-]{0,252}$/;

/**
 * The service's identity on hearth's bridge, from the file hearthd wrote into the host dir before
 * the start; loopback-only when there is none (`hearthd --network none`).
 */
export async function networkIdentity(file: string, serviceId: string): Promise<NetworkIdentity> {
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.length > MAX_NETWORK_FILE_BYTES) throw new HearthError('INTERNAL', `${file} is ${bytes.length} bytes, more than hearthd writes`);
    text = bytes.toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return loopbackIdentity(serviceId);
    throw error;
  }
  const value = parseJsonDict(text) as { address?: unknown; hosts?: unknown; nameservers?: unknown };
  const address = typeof value.address === 'string' && isIPv4(value.address) ? value.address : null;
  const nameservers = Array.isArray(value.nameservers) ? value.nameservers.filter((n): n is string => typeof n === 'string' && isIPv4(n)) : null;
  const hosts = Array.isArray(value.hosts)
    ? value.hosts.flatMap((h: unknown) => {
        const entry = h as { name?: unknown; address?: unknown };
        return typeof entry.name === 'string' && NAME_RE.test(entry.name) && typeof entry.address === 'string' && isIPv4(entry.address) ? [{ name: entry.name, address: entry.address }] : [];
      })
    : null;
  if (address === null || nameservers === null || hosts === null) throw new HearthError('INTERNAL', `${file} is not a network file hearthd wrote`);
  return { hostname: serviceId, address, nameservers, search: [], hosts };
}
