import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { createServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureCa, ensureLeaf, LEAF_DAYS, RENEW_BEFORE_MS } from './ca.js';

describe("hearth's local certificate authority", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-ca-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a leaf it issues validates with curl --cacert for its names, over a real TLS connection on loopback', async () => {
    const ca = await ensureCa(join(dir, 'ca'), 'testhost');
    expect((await stat(ca.key)).mode & 0o077).toBe(0);
    const leaf = await ensureLeaf(ca, join(dir, 'certs'), 'web', { dns: ['localhost', 'testhost.local'], ips: ['127.0.0.1'] });
    const server = createServer({ key: await readFile(leaf.key), cert: await readFile(leaf.cert) }, (socket) => socket.end('HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n'));
    const sockets = new Set<Socket>();
    server.on('connection', (socket: Socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const ok = await execa('curl', ['-sS', '--cacert', ca.cert, `https://127.0.0.1:${port}/`], { reject: false, timeout: 10_000 });
      expect(ok.stdout).toBe('ok'); // execa strips the final newline
      // A name it was not issued for is refused by the client.
      const wrong = await execa('curl', ['-sS', '--cacert', ca.cert, '--resolve', `other.example:${port}:127.0.0.1`, `https://other.example:${port}/`], { reject: false, timeout: 10_000 });
      expect(wrong.exitCode).not.toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('the CA is made once; a leaf is reused while current and issued again when its names change or it nears expiry', async () => {
    const ca = await ensureCa(join(dir, 'ca'), 'testhost');
    const caCert = await readFile(ca.cert, 'utf8');
    expect(await readFile((await ensureCa(join(dir, 'ca'), 'testhost')).cert, 'utf8')).toBe(caCert);
    const names = { dns: ['localhost'], ips: ['127.0.0.1'] };
    const first = await readFile((await ensureLeaf(ca, join(dir, 'certs'), 'svc', names)).cert, 'utf8');
    expect(await readFile((await ensureLeaf(ca, join(dir, 'certs'), 'svc', names)).cert, 'utf8')).toBe(first);
    const renamed = await readFile((await ensureLeaf(ca, join(dir, 'certs'), 'svc', { dns: ['localhost'], ips: ['127.0.0.2'] })).cert, 'utf8');
    expect(renamed).not.toBe(first);
    const later = Date.now() + LEAF_DAYS * 24 * 3600 * 1000 - RENEW_BEFORE_MS / 2;
    const renewed = await readFile((await ensureLeaf(ca, join(dir, 'certs'), 'svc', { dns: ['localhost'], ips: ['127.0.0.2'] }, later)).cert, 'utf8');
    expect(renewed).not.toBe(renamed);
  });
});
