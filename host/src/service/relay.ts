import { splice } from '@hearth/sdk/rpc';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { HearthError } from '@hearth/sdk/contract';

/**
 * Offers a daemon's port on the host: a TCP listener on the host address whose every connection is
 * piped to the runtime's unix socket for that interface, which pipes on to the port inside.
 * No IP networking into the container is needed.
 */
export class InterfaceRelay {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async listen(host: string, port: number, unixSocketPath: string): Promise<InterfaceRelay> {
    const server = createServer();
    const relay = new InterfaceRelay(server);
    server.on('connection', (client) => relay.pipe(client, unixSocketPath));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new HearthError('SERVICE_BUSY', `cannot listen on ${host}:${port}: ${error.code ?? error.message}`, {
            hint: 'another program uses this port; stop it or reinstall the package to get another port',
            cause: error,
          }),
        ),
      );
      server.listen({ host, port }, () => resolve());
    });
    return relay;
  }

  private pipe(client: Socket, unixSocketPath: string): void {
    splice(client, connect(unixSocketPath), this.sockets);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
