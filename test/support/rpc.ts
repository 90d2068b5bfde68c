import { connect } from 'node:net';
import { createRpcPeer, type RpcPeer } from '@hearth/sdk/rpc';

/** Send raw bytes on a fresh connection to a socket, and collect `count` JSON reply lines (or all until it closes). */
export async function exchange(socketPath: string, payload: string, count: number): Promise<unknown[]> {
  return await new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let data = '';
    const parsed = (): unknown[] => data.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.split('\n').filter(Boolean).length >= count) {
        socket.destroy();
        resolve(parsed());
      }
    });
    socket.on('close', () => resolve(parsed()));
    socket.write(payload);
  });
}

/** One JSON-RPC request line. */
export const request = (id: number, method: string, params?: unknown): string =>
  `${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params !== undefined && { params }) })}\n`;

/**
 * A JSON-RPC connection to a hearthd socket with the SDK's peer, as a tool driving the host API
 * would make one; `onNotification` gets what hearthd pushes. Close it with `await using`.
 */
export async function connectRpc(socketPath: string, onNotification?: (method: string, params: unknown) => void): Promise<RpcPeer & AsyncDisposable> {
  const socket = connect(socketPath);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const peer = createRpcPeer(socket, onNotification ? { onNotification } : {});
  return Object.assign(peer, {
    async [Symbol.asyncDispose]() {
      peer.close();
      await peer.closed;
    },
  });
}
