import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export const REPLY_TIMEOUT_MS = 10_000;

/** A raw client on a unix socket: write bytes, collect reply lines, see whether the server closed. */
export class RawClient {
  readonly replies: unknown[] = [];
  /** Bytes received, whether or not they parse. */
  received = 0;
  closed = false;
  private rest = '';

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      const parts = (this.rest + chunk.toString()).split('\n');
      this.rest = parts.pop() ?? '';
      for (const part of parts) if (part) this.replies.push(JSON.parse(part));
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined); // a server that hangs up mid-write is one of the outcomes tested
  }

  static async open(path: string): Promise<RawClient> {
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  write(data: string | Buffer): boolean {
    return this.socket.write(data);
  }

  async waitReplies(count: number, timeoutMs = REPLY_TIMEOUT_MS): Promise<unknown[]> {
    await expect.poll(() => this.replies.length >= count || this.closed, { timeout: timeoutMs, interval: 20 }).toBe(true);
    return this.replies;
  }

  async waitClosed(timeoutMs = REPLY_TIMEOUT_MS): Promise<void> {
    await expect.poll(() => this.closed, { timeout: timeoutMs, interval: 20 }).toBe(true);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Assert a server answers `server.info` on a fresh connection within the timeout. */
export async function expectServerInfo(path: string): Promise<void> {
  const client = await RawClient.open(path);
  try {
    client.write('{"jsonrpc":"2.0","id":"alive","method":"server.info"}\n');
    const [reply] = await client.waitReplies(1);
    expect(reply).toMatchObject({ id: 'alive', result: { version: expect.any(String) as unknown } });
  } finally {
    client.destroy();
  }
}

/** Resident memory of a process in bytes, from /proc. */
export function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}
