import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { ConnectionPipes, listenOnHostPort } from '../system/connection-pipes.js';

/** How long a client may take to finish the TLS handshake before it is dropped. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * An interface offered over TLS on a host port: hearthd holds the key (it never enters the
 * container, whose code could otherwise impersonate every service on the host's name) and pipes
 * each decrypted connection to the service through `connect`: its bridge address, or the unix
 * socket of the loopback-only mode.
 */
export class TlsRelay {
  private constructor(
    private readonly server: Server,
    private readonly pipes: ConnectionPipes,
  ) {}

  static async listen(host: string, port: number, credentials: { key: Buffer; cert: Buffer }, connect: () => Promise<Socket>, logger: Logger): Promise<TlsRelay> {
    const server = createServer({ ...credentials, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS, minVersion: 'TLSv1.2' });
    const pipes = new ConnectionPipes(logger, 'cannot reach the service for a TLS connection');
    server.on('secureConnection', (client: TLSSocket) => pipes.pipe(client, connect));
    server.on('tlsClientError', () => undefined); // a client that fails the handshake is its own problem
    await listenOnHostPort(server, host, port);
    return new TlsRelay(server, pipes);
  }

  /** The port it listens on (the one asked for, or the kernel's pick for 0). */
  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    await this.pipes.close(this.server);
  }
}
