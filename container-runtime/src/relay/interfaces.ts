import { splice } from '@hearth/sdk/rpc';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError, errorMessage, interfaceSocketName, type Manifest } from '@hearth/sdk/contract';

/**
 * For each declared interface, a unix socket in the sockets dir (visible to the host) piped to the
 * daemon's port on the container's loopback. The host relays its TCP port to this socket.
 */
export class InterfaceSockets {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly servers: { server: Server; path: string }[]) {}

  static async listen(socketsDir: string, interfaces: Manifest['interfaces']): Promise<InterfaceSockets> {
    const servers: { server: Server; path: string }[] = [];
    const relay = new InterfaceSockets(servers);
    try {
      for (const [id, iface] of Object.entries(interfaces)) {
        const path = join(socketsDir, interfaceSocketName(id));
        await rm(path, { force: true }); // left by an earlier runtime of this container
        const server = createServer((client) => relay.pipe(client, iface.port));
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(path, () => resolve());
        });
        servers.push({ server, path });
      }
    } catch (error) {
      await relay.close(); // the ones already listening: none is left behind by a failed listen
      throw new HearthError('CONTAINER_FAILED', `cannot offer the package's interfaces: ${errorMessage(error)}`, { cause: error, details: { socketsDir } });
    }
    return relay;
  }

  private pipe(client: Socket, port: number): void {
    splice(client, connect({ host: '127.0.0.1', port }), this.sockets);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      this.servers.map(async ({ server, path }) => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(path, { force: true });
      }),
    );
  }
}
