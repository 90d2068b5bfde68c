import { connect, type Socket } from 'node:net';

/** How long a connection to a service's address may take before the client is dropped. */
export const SERVICE_CONNECT_TIMEOUT_MS = 5_000;

/** A TCP connection to a service on the bridge, once it is established. */
export async function connectTcp(host: string, port: number): Promise<Socket> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(new Error(`no connection to ${host}:${port} within ${SERVICE_CONNECT_TIMEOUT_MS} ms`)), SERVICE_CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
