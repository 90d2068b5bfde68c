import { createServer, type Server, type Socket } from 'node:net';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HearthError, errorMessage } from '@hearth/sdk/contract';
import { createRpcPeer, type Handler } from '@hearth/sdk/rpc';
import type { Logger } from '../log.js';
import { rateLimitedWarn } from '../rate-limited-log.js';

const MAX_LOGGED_CHARS = 300;
/** How long open connections get to take what was written to them when the server closes. */
export const CLOSE_GRACE_MS = 1_000;

/** Listens on the control socket (root only: mode 0600) and serves `methods` on every connection. */
export class ControlServer {
  private constructor(
    private readonly server: Server,
    private readonly path: string,
    private readonly sockets: Set<Socket>,
  ) {}

  static async listen(path: string, methods: Record<string, Handler>, logger: Logger): Promise<ControlServer> {
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      await rm(path, { force: true });
    } catch (error) {
      throw new HearthError('INVALID_PARAMS', `cannot make the control socket ${path}: ${errorMessage(error)}`, {
        hint: 'pass --socket with a path in a directory hearthd can create, and no directory at the path itself',
        details: { path },
        cause: error,
      });
    }
    // One limiter for all connections: a client that reconnects for every bad line is limited too.
    const warn = rateLimitedWarn(logger, 'bad request on the control socket');
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      const peer = createRpcPeer(socket, {
        onProtocolError: (error) => warn({ error: error.message.slice(0, MAX_LOGGED_CHARS) }),
      });
      for (const [name, handler] of Object.entries(methods)) peer.addMethod(name, handler);
    });
    // Create the socket with no access for others, then open it to root only.
    const oldUmask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => resolve());
      });
    } finally {
      process.umask(oldUmask);
    }
    await chmod(path, 0o600);
    return new ControlServer(server, path, sockets);
  }

  /**
   * Stop accepting, end every open connection (a `logs -f` or `events.subscribe` client would
   * otherwise keep it open for ever, and with it hearthd's shutdown), destroying those that do not
   * close within CLOSE_GRACE_MS.
   */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.end();
    const grace = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, CLOSE_GRACE_MS);
    try {
      await closed;
    } finally {
      clearTimeout(grace);
    }
    await rm(this.path, { force: true });
  }
}
