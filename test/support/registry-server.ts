import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { execa } from 'execa';
import { PACK_TIMEOUT_MS, keygen } from './packages.js';
import { HEARTH_PACK } from './repo.js';

/** Time for the bytes sent before a cut to reach the client, so the cut lands mid-transfer and not before. */
const CUT_DELAY_MS = 200;

export interface ServedRequest {
  path: string;
  range: string | null;
}

/**
 * A registry as any static web server serves it: the files of `root` on 127.0.0.1 (a port of its
 * own), with Range requests. `cutNext(path, bytes)` makes the next response for `path` break the
 * connection after that many body bytes, as a flaky network would.
 */
export class RegistryServer implements AsyncDisposable {
  readonly requests: ServedRequest[] = [];
  private readonly cuts = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly root: string,
  ) {}

  static async start(root: string): Promise<RegistryServer> {
    const server = createServer();
    const registry = new RegistryServer(server, root);
    server.on('request', (req, res) => {
      void registry.serve(req.url ?? '/', req.headers.range ?? null, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return registry;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  cutNext(path: string, bytes: number): void {
    this.cuts.set(path, bytes);
  }

  private async serve(url: string, range: string | null, res: import('node:http').ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(url, 'http://x').pathname);
    this.requests.push({ path, range });
    const file = join(this.root, normalize(path).replace(/^(\.\.[/\\])+/, ''));
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    const match = range === null ? null : /^bytes=(\d+)-$/.exec(range);
    const start = match ? Number(match[1]) : 0;
    res.writeHead(match ? 206 : 200, { 'content-length': info.size - start, ...(match && { 'content-range': `bytes ${start}-${info.size - 1}/${info.size}` }) });
    const cut = this.cuts.get(path);
    this.cuts.delete(path);
    const stream = createReadStream(file, { start, ...(cut !== undefined && { end: start + cut - 1 }) });
    stream.pipe(res, { end: cut === undefined });
    // Break the connection mid-body: the client sees fewer bytes than content-length, then a reset.
    if (cut !== undefined) stream.on('end', () => setTimeout(() => res.socket?.destroy(), CUT_DELAY_MS));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A registry in `<dir>/registry` with `archives` published by `hearth-pack publish`, signed with a
 * new key (`pem`), served on 127.0.0.1; `pubkey` is the file `hearth registry add … --key` takes.
 */
export async function servedRegistry(dir: string, archives: string[]): Promise<{ server: RegistryServer; root: string; pem: string; pubkey: string }> {
  const root = join(dir, 'registry');
  const pem = await keygen(join(dir, 'registry.pem'));
  for (const hpk of archives) await execa('node', [HEARTH_PACK, 'publish', hpk, '--registry', root, '--key', pem, '--json'], { timeout: PACK_TIMEOUT_MS });
  const pubkey = join(dir, 'registry.pub');
  await writeFile(pubkey, `${(await execa('node', [HEARTH_PACK, 'pubkey', '--key', pem])).stdout}\n`);
  return { server: await RegistryServer.start(root), root, pem, pubkey };
}
