import { createServer } from 'node:net';
import { HearthError } from '@hearth/sdk/contract';

/** True when `port` can be bound on `host` right now. */
export async function portIsFree(host: string, port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The lowest port from `base` that no service holds and that is free on the host. */
export async function allocatePort(host: string, base: number, taken: ReadonlySet<number>): Promise<number> {
  for (let port = base; port < 65_536; port += 1) {
    if (!taken.has(port) && (await portIsFree(host, port))) return port;
  }
  throw new HearthError('INVALID_PARAMS', `no free port from ${base} up to 65535 on ${host} for the package's interfaces`, {
    hint: 'free some ports, uninstall packages you no longer need, or start hearthd with a lower --port-base',
    details: { portBase: base, host },
  });
}

/** Where an interface's TLS port is kept in a service's `ports` (interface ids have no colon). */
export function tlsPortKey(interfaceId: string): string {
  return `${interfaceId}:tls`;
}
