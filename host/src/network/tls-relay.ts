import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { HearthError } from '@hearth/sdk/contract';
import { splice } from '@hearth/sdk/rpc';
import type { Logger } from '../log.js';

/** How long a client may take to finish the TLS handshake before it is dropped. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * An interface offered over TLS on a host port: hearthd holds the key (it never enters the
 * container, whose code could otherwise impersonate every service on the host's name) and pipes
 * each decrypted connection to the service through `connect`: its bridge address, or the unix
 * socket of the loopback-only mode.
 */
export class TlsRelay {
  private readonly sockets = new Set<Socket>();
  private warned = false;

  private constructor(
    private readonly server: Server,
    private readonly logger: Logger,
  ) {}

  static async listen(host: string, port: number, credentials: { key: Buffer; cert: Buffer }, connect: () => Promise<Socket>, logger: Logger): Promise<TlsRelay> {
    const server = createServer({ ...credentials, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS, minVersion: 'TLSv1.2' });
    const relay = new TlsRelay(server, logger);
    server.on('secureConnection', (client: TLSSocket) => relay.pipe(client, connect));
    server.on('tlsClientError', () => undefined); // a client that fails the handshake is its own problem
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new HearthError('SERVICE_BUSY', `cannot listen on ${host}:${port}: ${error.code ?? error.message}`, { hint: 'another program uses this port; stop it or reinstall the package to get another port', cause: error })),
      );
      server.listen({ host, port }, () => resolve());
    });
    return relay;
  }

  /** The port it listens on (the one asked for, or the kernel's pick for 0). */
  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** A renewed certificate for the connections to come. */
  setCredentials(credentials: { key: Buffer; cert: Buffer }): void {
    this.server.setSecureContext(credentials);
  }

  private pipe(client: TLSSocket, connect: () => Promise<Socket>): void {
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    connect().then(
      (inside) => {
        if (client.destroyed) inside.destroy();
        else splice(client, inside, this.sockets);
      },
      (error: unknown) => {
        if (!this.warned) this.logger.warn('cannot reach the service for a TLS connection; later failures are not logged', { error: String(error) });
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
