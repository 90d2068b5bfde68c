import { connect } from 'node:net';

/** True when 127.0.0.1:<port> accepts a connection within `timeoutMs`. */
export async function tcpPortAnswers(port: number, timeoutMs: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
