import { splice } from '@hearth/sdk/rpc';
import { createServer, type Server, type Socket } from 'node:net';
import { HearthError } from '@hearth/sdk/contract';
import type { Logger } from '../log.js';
import { connectOwnedSocket } from '../system/safe-socket.js';

/**
 * Offers a daemon's port on the host: a TCP listener on the host address whose every connection is
 * piped to the runtime's unix socket for that interface, which pipes on to the port inside.
 * No IP networking into the container is needed. The socket is in a directory the container writes,
 * so it is opened without following links and must belong to container root (safe-socket.ts).
 */
export class InterfaceRelay {
  private readonly sockets = new Set<Socket>();
  /** Refusals are logged once per relay: a container can make every connection fail. */
  private warned = false;

  private constructor(
    private readonly server: Server,
    private readonly logger: Logger,
  ) {}

  static async listen(host: string, port: number, unixSocketPath: string, socketOwner: number, logger: Logger): Promise<InterfaceRelay> {
    const server = createServer();
    const relay = new InterfaceRelay(server, logger);
    server.on('connection', (client) => relay.pipe(client, unixSocketPath, socketOwner));
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

  private pipe(client: Socket, unixSocketPath: string, socketOwner: number): void {
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    connectOwnedSocket(unixSocketPath, socketOwner).then(
      (inside) => {
        if (client.destroyed) inside.destroy();
        else splice(client, inside, this.sockets);
      },
      (error: unknown) => {
        if (!this.warned) this.logger.warn('refused to relay a connection; later refusals are not logged', { error: String(error) });
        this.warned = true;
        client.destroy();
      },
    );
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
