import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { downloadResumable, fetchBytes } from './http-get.js';

const CUT_DELAY_MS = 200;
const BODY = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));

describe('registry downloads', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const ranges: (string | null)[] = [];
  let mode: 'cut-first' | 'ignore-range' | 'normal' = 'normal';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-download-'));
    server = createServer((req, res) => {
      ranges.push(req.headers.range ?? null);
      const match = mode === 'ignore-range' ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = match ? Number(match[1]) : 0;
      res.writeHead(match ? 206 : 200, { 'content-length': BODY.length - start });
      if (mode === 'cut-first' && ranges.length === 1) {
        // Broken once the bytes are surely received, as when a network drops mid-transfer.
        res.write(BODY.subarray(0, 30_000), () => setTimeout(() => res.socket?.destroy(), CUT_DELAY_MS));
        return;
      }
      res.end(BODY.subarray(start));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/f.hpk`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  test('a connection broken midway is resumed from where it stopped with a Range request', async () => {
    mode = 'cut-first';
    ranges.length = 0;
    const partial = join(dir, 'a.partial');
    await downloadResumable(url, partial, BODY.length, () => undefined);
    expect(await readFile(partial)).toEqual(BODY);
    expect(ranges).toEqual([null, 'bytes=30000-']);
  });

  test('a server that ignores Range sends the whole file, which replaces the partial one instead of being appended', async () => {
    mode = 'ignore-range';
    const partial = join(dir, 'b.partial');
    await writeFile(partial, BODY.subarray(0, 1000));
    await downloadResumable(url, partial, BODY.length, () => undefined);
    expect(await readFile(partial)).toEqual(BODY);
  });

  test('more bytes than the index says are refused with REGISTRY_HASH_MISMATCH', async () => {
    mode = 'normal';
    await expect(downloadResumable(url, join(dir, 'c.partial'), 10, () => undefined)).rejects.toMatchObject({ code: 'REGISTRY_HASH_MISMATCH' });
  });

  test('a closed port is REGISTRY_UNREACHABLE naming the registry', async () => {
    await expect(fetchBytes('http://127.0.0.1:1/index.json', 1000)).rejects.toMatchObject({ code: 'REGISTRY_UNREACHABLE', message: expect.stringContaining('127.0.0.1:1') as string });
  });
});
