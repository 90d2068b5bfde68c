import { connect } from 'node:net';
import { HearthError, type HostMethodName, type HostMethods } from '@hearth/sdk/contract';
import { createRpcPeer, type RpcPeer } from '@hearth/sdk/rpc';

export const CONNECT_TIMEOUT_MS = 5_000;
/** Long enough for a start that waits for readiness. */
export const CALL_TIMEOUT_MS = 15 * 60_000;
/** Beyond an operation's own timeout, for hearthd's answer (its error saying why) to arrive first. */
export const CALL_MARGIN_MS = 60_000;

/** A connection to hearthd's control socket; close it with `await using` or `close()`. */
export class HostClient implements AsyncDisposable {
  private constructor(private readonly peer: RpcPeer) {}

  static async connect(socketPath: string, onNotification?: (method: string, params: unknown) => void): Promise<HostClient> {
    const socket = connect(socketPath);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(unreachable(socketPath, 'timed out'));
      }, CONNECT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(unreachable(socketPath, error.code ?? error.message));
      });
    });
    return new HostClient(createRpcPeer(socket, onNotification ? { onNotification } : {}));
  }

  /** `operationMs`: how long the operation itself may take (a start's wait, an exec); the call waits that plus a margin. */
  call<M extends HostMethodName>(method: M, params: HostMethods[M]['params'], operationMs = 0): Promise<HostMethods[M]['result']> {
    return this.peer.request<HostMethods[M]['result']>(method, params, Math.max(CALL_TIMEOUT_MS, operationMs + CALL_MARGIN_MS));
  }

  /** Resolves when hearthd closes the connection. */
  get closed(): Promise<void> {
    return this.peer.closed;
  }

  async close(): Promise<void> {
    this.peer.close();
    await this.peer.closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function unreachable(socketPath: string, reason: string): HearthError {
  return new HearthError('HOST_UNREACHABLE', `cannot reach hearthd at ${socketPath}: ${reason}`, {
    hint: 'start hearthd (sudo hearthd), or pass --socket with the path it listens on; the socket is root only',
  });
}
