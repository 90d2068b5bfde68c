import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { HearthError, dict, parseJsonDict, type ProvidedDependencies } from '@hearth/sdk/contract';
import { loopbackIdentity, type NetworkIdentity } from './host-files.js';

/** hearthd writes a few hundred bytes; anything near this is not its file. */
const MAX_NETWORK_FILE_BYTES = 64 * 1024;
const NAME_RE = /^[a-z0-9][a-z0-9.-]{0,252}$/;

const ID_RE = /^[a-z][a-z0-9-]{0,62}$/;

/** What the service is told of its network: its identity, and its dependencies' interfaces. */
export interface ServiceNetwork {
  identity: NetworkIdentity;
  dependencies: ProvidedDependencies;
}

/** The declared dependencies' interfaces, as `dependencyAddress` reads them; malformed entries are dropped. */
function dependenciesOf(value: unknown): ProvidedDependencies {
  const out: ProvidedDependencies = dict();
  if (typeof value !== 'object' || value === null) return out;
  for (const [id, dep] of Object.entries(value as Record<string, unknown>)) {
    const d = dep as { host?: unknown; interfaces?: unknown };
    if (!ID_RE.test(id) || typeof d.host !== 'string' || !NAME_RE.test(d.host) || typeof d.interfaces !== 'object' || d.interfaces === null) continue;
    const interfaces: ProvidedDependencies[string]['interfaces'] = dict();
    for (const [iface, v] of Object.entries(d.interfaces as Record<string, unknown>)) {
      const i = v as { port?: unknown; protocol?: unknown };
      if (ID_RE.test(iface) && Number.isInteger(i.port) && (i.port as number) > 0 && (i.port as number) < 65_536 && (i.protocol === 'http' || i.protocol === 'tcp')) {
        interfaces[iface] = { port: i.port as number, protocol: i.protocol };
      }
    }
    out[id] = { host: d.host, interfaces };
  }
  return out;
}

/**
 * The service's identity on hearth's bridge and its dependencies, from the file hearthd wrote into
 * the host dir before the start; loopback-only and none when there is none (`--network none`).
 */
export async function serviceNetwork(file: string, serviceId: string): Promise<ServiceNetwork> {
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.length > MAX_NETWORK_FILE_BYTES) throw new HearthError('INTERNAL', `${file} is ${bytes.length} bytes, more than hearthd writes`);
    text = bytes.toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { identity: loopbackIdentity(serviceId), dependencies: dict() };
    throw error;
  }
  const value = parseJsonDict(text) as { address?: unknown; hosts?: unknown; nameservers?: unknown; dependencies?: unknown };
  const address = typeof value.address === 'string' && isIPv4(value.address) ? value.address : null;
  const nameservers = Array.isArray(value.nameservers) ? value.nameservers.filter((n): n is string => typeof n === 'string' && isIPv4(n)) : null;
  const hosts = Array.isArray(value.hosts)
    ? value.hosts.flatMap((h: unknown) => {
        const entry = h as { name?: unknown; address?: unknown };
        return typeof entry.name === 'string' && NAME_RE.test(entry.name) && typeof entry.address === 'string' && isIPv4(entry.address) ? [{ name: entry.name, address: entry.address }] : [];
      })
    : null;
  if (address === null || nameservers === null || hosts === null) throw new HearthError('INTERNAL', `${file} is not a network file hearthd wrote`);
  return { identity: { hostname: serviceId, address, nameservers, search: [], hosts }, dependencies: dependenciesOf(value.dependencies) };
}
