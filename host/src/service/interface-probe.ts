import { errorMessage } from '@hearth/sdk/contract';
import { connectOwnedSocket } from '../system/safe-socket.js';

/**
 * How long a probe connection must stay open to count as answered. The runtime's relay closes a
 * connection at once when nothing listens on the port inside (connection refused on loopback).
 */
export const PROBE_WAIT_MS = 300;

/**
 * Whether something listens behind an interface, probed through the runtime's relay socket on the
 * host side: null when it does (the connection stays open, or data arrives), else why not, in words.
 */
export async function probeInterface(socketPath: string, socketOwner: number, port: number, waitMs = PROBE_WAIT_MS): Promise<string | null> {
  let socket;
  try {
    socket = await connectOwnedSocket(socketPath, socketOwner);
  } catch (error) {
    return `the interface socket cannot be reached: ${errorMessage(error)}`;
  }
  const inside = socket;
  const refusedText = `nothing listens on port ${port} inside the container`;
  // The relay may have closed it already, while the connect finished (its events went by unheard).
  if (inside.destroyed || !inside.readable) {
    inside.destroy();
    return refusedText;
  }
  return await new Promise<string | null>((resolve) => {
    const settle = (result: string | null): void => {
      clearTimeout(timer);
      inside.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => settle(null), waitMs);
    inside.once('data', () => settle(null));
    const refused = (): void => settle(refusedText);
    inside.once('end', refused);
    inside.once('close', refused);
    inside.once('error', () => undefined); // 'close' follows
  });
}
