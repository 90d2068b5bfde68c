import { createServer, type Server, type Socket } from 'node:net';
import { chmod, chown, rm } from 'node:fs/promises';
import { HearthError, type RuntimeNotifications } from '@hearth/sdk/contract';
import { createRpcPeer, preview, type RpcPeer } from '@hearth/sdk/rpc';
import type { Logger } from '../log.js';
import { rateLimitedWarn } from '../rate-limited-log.js';
import { parseDaemonStatus, parseExecOutput, parseHookReport, parseLogEntry, parseMessage } from './runtime-input.js';

export const RUNTIME_CONNECT_TIMEOUT_MS = 30_000;
const MAX_LOGGED_REASON_CHARS = 300;

export interface RuntimeLinkHandlers {
  onDaemonState(status: RuntimeNotifications['runtime.daemonState']): void;
  onLog(entry: RuntimeNotifications['runtime.log']): void;
  onExecOutput(output: RuntimeNotifications['runtime.execOutput']): void;
  onMessage(message: RuntimeNotifications['runtime.message']): void;
  onHookReport(report: RuntimeNotifications['runtime.hookReport']): void;
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
    logger: Logger,
  ) {
    // Container root can send anything here: what is refused is counted and logged a few times a minute.
    const refuse = rateLimitedWarn(logger, 'refused input from the container runtime');
    const onNotification = (method: string, params: unknown): void => {
      if (method === 'runtime.daemonState') deliver(method, parseDaemonStatus(params), (v) => handlers.onDaemonState(v));
      else if (method === 'runtime.log') deliver(method, parseLogEntry(params), (v) => handlers.onLog(v));
      else if (method === 'runtime.execOutput') deliver(method, parseExecOutput(params), (v) => handlers.onExecOutput(v));
      else if (method === 'runtime.message') deliver(method, parseMessage(params), (v) => handlers.onMessage(v));
      else if (method === 'runtime.hookReport') deliver(method, parseHookReport(params), (v) => handlers.onHookReport(v));
      else refuse({ reason: `unknown notification ${preview(method)}` });
    };
    const deliver = <T>(method: string, value: T | null, handler: (value: T) => void): void => {
      if (value === null) refuse({ reason: `${method} of the wrong shape` });
      else handler(value);
    };
    this.connected = new Promise((resolve) => {
      server.on('connection', (socket: Socket) => {
        if (this.peer !== null) {
          socket.destroy(); // one runtime per container; a second connection is not ours to serve
          return;
        }
        const peer = createRpcPeer(socket, {
          onNotification,
          onProtocolError: (error) => refuse({ reason: error.message.slice(0, MAX_LOGGED_REASON_CHARS) }),
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
  static async listen(socketPath: string, serviceId: string, group: number, handlers: RuntimeLinkHandlers, logger: Logger): Promise<RuntimeLink> {
    await rm(socketPath, { force: true });
    const server = createServer();
    // The handler is in place before the socket exists: a runtime that is already waiting (an
    // adopted container reconnecting) may connect the moment it appears.
    const link = new RuntimeLink(server, socketPath, serviceId, handlers, logger);
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
