import { connect } from 'node:net';

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
