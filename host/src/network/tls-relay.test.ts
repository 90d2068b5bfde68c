import { createServer as createHttpServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../log.js';
import { ensureCa, ensureLeaf } from './ca.js';
import { TlsRelay } from './tls-relay.js';

describe('an interface offered over TLS by hearthd', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-tls-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('https with a certificate from the hearth CA reaches the plain service behind it; a plain client gets nothing', async () => {
    const ca = await ensureCa(join(dir, 'ca'), 'testhost');
    const leaf = await ensureLeaf(ca, join(dir, 'certs'), 'web', { dns: ['localhost'], ips: ['127.0.0.1'] });
    const service = createHttpServer((req, res) => res.end(`plain service saw ${req.url ?? ''}`));
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    const servicePort = (service.address() as { port: number }).port;
    const logger = createLogger({}, () => true);
    const relay = await TlsRelay.listen('127.0.0.1', 0, { key: await readFile(leaf.key), cert: await readFile(leaf.cert) }, async () => await opened(connect(servicePort, '127.0.0.1')), logger);
    try {
      const https = await execa('curl', ['-sS', '--cacert', ca.cert, `https://localhost:${relay.port}/x`], { reject: false, timeout: 10_000 });
      expect(https.stdout).toBe('plain service saw /x');
      const plain = await execa('curl', ['-sS', `http://127.0.0.1:${relay.port}/x`], { reject: false, timeout: 10_000 });
      expect(plain.stdout).not.toContain('plain service saw');
    } finally {
      await relay.close();
      service.closeAllConnections();
      await new Promise<void>((resolve) => service.close(() => resolve()));
    }
  });
});

async function opened(socket: Socket): Promise<Socket> {
  return await new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}
