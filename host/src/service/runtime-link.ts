import { createServer, type Server, type Socket } from 'node:net';
import { chmod, chown, rm } from 'node:fs/promises';
import { HearthError, type RuntimeNotifications } from '@hearth/sdk/contract';
import { createRpcPeer, type RpcPeer } from '@hearth/sdk/rpc';

export const RUNTIME_CONNECT_TIMEOUT_MS = 30_000;

export interface RuntimeLinkHandlers {
  onDaemonState(status: RuntimeNotifications['runtime.daemonState']): void;
  onLog(entry: RuntimeNotifications['runtime.log']): void;
  onExecOutput(output: RuntimeNotifications['runtime.execOutput']): void;
  onDisconnect(): void;
}

/**
 * The host end of a container's RPC socket. hearthd listens; the runtime inside connects and
 * says hello; then requests go both ways on that one connection.
 */
export class RuntimeLink {
  private peer: RpcPeer | null = null;
  private connected: Promise<RpcPeer>;

  private constructor(
    private readonly server: Server,
    private readonly socketPath: string,
    serviceId: string,
    handlers: RuntimeLinkHandlers,
  ) {
    this.connected = new Promise((resolve) => {
      server.on('connection', (socket: Socket) => {
        if (this.peer !== null) {
          socket.destroy(); // one runtime per container; a second connection is not ours to serve
          return;
        }
        const peer = createRpcPeer(socket, {
          onNotification: (method, params) => {
            if (method === 'runtime.daemonState') handlers.onDaemonState(params as RuntimeNotifications['runtime.daemonState']);
            else if (method === 'runtime.log') handlers.onLog(params as RuntimeNotifications['runtime.log']);
            else if (method === 'runtime.execOutput') handlers.onExecOutput(params as RuntimeNotifications['runtime.execOutput']);
          },
        });
        peer.addMethod('runtime.hello', () => {
          resolve(peer);
          return { serviceId };
        });
        this.peer = peer;
        void peer.closed.then(() => {
          this.peer = null;
          handlers.onDisconnect();
        });
      });
    });
  }

  /**
   * `socketPath` is in a directory the container sees read-only and cannot write (the host dir), so
   * nothing here acts on a path the container could have replaced. The socket is root's, connectable
   * by the container's root group (`group`) only.
   */
  static async listen(socketPath: string, serviceId: string, group: number, handlers: RuntimeLinkHandlers): Promise<RuntimeLink> {
    await rm(socketPath, { force: true });
    const server = createServer();
    // The handler is in place before the socket exists: a runtime that is already waiting (an
    // adopted container reconnecting) may connect the moment it appears.
    const link = new RuntimeLink(server, socketPath, serviceId, handlers);
    // Made as root's (connecting needs write access, which umask 022 gives no one else), then opened to the group.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    await chown(socketPath, 0, group);
    await chmod(socketPath, 0o660);
    return link;
  }

  /** Wait for the runtime's hello, or fail when `signal` fires first (the container died) or time runs out. */
  async waitConnected(signal: AbortSignal, timeoutMs = RUNTIME_CONNECT_TIMEOUT_MS): Promise<RpcPeer> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const failure = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new HearthError('RUNTIME_UNREACHABLE', `the container runtime did not connect within ${timeoutMs} ms`, {
            hint: 'see runtime.log in the service log directory',
          }),
        );
      }, timeoutMs);
      onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new HearthError('CONTAINER_FAILED', String(signal.reason)));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([this.connected, failure]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  get runtime(): RpcPeer | null {
    return this.peer;
  }

  async close(): Promise<void> {
    this.peer?.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.socketPath, { force: true });
  }
}
