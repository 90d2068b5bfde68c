import type { Server, Socket } from 'node:net';
import { HearthError } from '@hearth/sdk/contract';
import { splice } from '@hearth/sdk/rpc';
import type { Logger } from '../log.js';

/**
 * The connections a listener relays: each accepted client is piped to the socket `connect` opens
 * for it. A failure to connect is logged once per listener (a container can make every connection
 * fail), and closing ends every open connection with the server.
 */
export class ConnectionPipes {
  private readonly sockets = new Set<Socket>();
  private warned = false;

  constructor(
    private readonly logger: Logger,
    /** What the warning says when `connect` fails. */
    private readonly failure: string,
  ) {}

  pipe(client: Socket, connect: () => Promise<Socket>): void {
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    connect().then(
      (inside) => {
        if (client.destroyed) inside.destroy();
        else splice(client, inside, this.sockets);
      },
      (error: unknown) => {
        if (!this.warned) this.logger.warn(`${this.failure}; later failures are not logged`, { error: String(error) });
        this.warned = true;
        client.destroy();
      },
    );
  }

  async close(server: Server): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/** Starts `server` listening on a service's host port; a port in use is SERVICE_BUSY, saying what to do. */
export async function listenOnHostPort(server: Server, host: string, port: number): Promise<void> {
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
}
