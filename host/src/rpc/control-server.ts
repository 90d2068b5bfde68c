import { createServer, type Server } from 'node:net';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createRpcPeer, type Handler } from '@hearth/sdk/rpc';
import type { Logger } from '../log.js';
import { rateLimitedWarn } from '../rate-limited-log.js';

const MAX_LOGGED_CHARS = 300;

/** Listens on the control socket (root only: mode 0600) and serves `methods` on every connection. */
export class ControlServer {
  private constructor(
    private readonly server: Server,
    private readonly path: string,
  ) {}

  static async listen(path: string, methods: Record<string, Handler>, logger: Logger): Promise<ControlServer> {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await rm(path, { force: true });
    // One limiter for all connections: a client that reconnects for every bad line is limited too.
    const warn = rateLimitedWarn(logger, 'bad request on the control socket');
    const server = createServer((socket) => {
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
    return new ControlServer(server, path);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.path, { force: true });
  }
}
