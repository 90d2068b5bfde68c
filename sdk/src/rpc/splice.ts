import type { Socket } from 'node:net';

/**
 * Pipe two sockets into each other (a relay hop), tracking both in `open` until they close so the
 * owner can destroy what is still open when it shuts down. An error on one side ends the other.
 */
export function splice(a: Socket, b: Socket, open: Set<Socket>): void {
  for (const s of [a, b]) {
    open.add(s);
    s.on('close', () => open.delete(s));
  }
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.pipe(b).pipe(a);
}
