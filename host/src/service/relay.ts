import { createServer, type Server } from 'node:net';
import type { Logger } from '../log.js';
import { connectOwnedSocket } from '../system/safe-socket.js';
import { ConnectionPipes, listenOnHostPort } from '../system/connection-pipes.js';

/**
 * Offers a daemon's port on the host: a TCP listener on the host address whose every connection is
 * piped to the runtime's unix socket for that interface, which pipes on to the port inside.
 * No IP networking into the container is needed. The socket is in a directory the container writes,
 * so it is opened without following links and must belong to container root (safe-socket.ts).
 */
export class InterfaceRelay {
  private constructor(
    private readonly server: Server,
    private readonly pipes: ConnectionPipes,
  ) {}

  static async listen(host: string, port: number, unixSocketPath: string, socketOwner: number, logger: Logger): Promise<InterfaceRelay> {
    const server = createServer();
    const pipes = new ConnectionPipes(logger, 'refused to relay a connection');
    server.on('connection', (client) => pipes.pipe(client, () => connectOwnedSocket(unixSocketPath, socketOwner)));
    await listenOnHostPort(server, host, port);
    return new InterfaceRelay(server, pipes);
  }

  async close(): Promise<void> {
    await this.pipes.close(this.server);
  }
}
