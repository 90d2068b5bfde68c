import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HearthError } from '@hearth/sdk/contract';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};
/** Names under assets/ carry their content hash (web/build.mjs), so they never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html is asked again each time, so a new hearthd's assets are picked up at once. */
const REVALIDATE = 'no-cache';
const MAX_ASSET_BYTES = 8 * 1024 * 1024;

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
  cacheControl: string;
}

/** The dashboard's files (web/dist), read once at boot into memory: a few dozen KiB. */
export class StaticAssets {
  private constructor(private readonly files: Map<string, Asset>) {}

  static async load(dir: string): Promise<StaticAssets> {
    const files = new Map<string, Asset>();
    let names: string[];
    try {
      names = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
    } catch (error) {
      throw new HearthError('INVALID_PARAMS', `the dashboard's files are missing: cannot read ${dir}`, { hint: 'build them with `npm run build` (node web/build.mjs), or start hearthd with --web off', cause: error });
    }
    if (!names.includes('index.html')) throw new HearthError('INVALID_PARAMS', `no index.html in ${dir}`, { hint: 'build the dashboard with `npm run build`' });
    for (const name of names) {
      const type = CONTENT_TYPES[extname(name)];
      if (type === undefined) continue; // source maps and the build's own files are not served
      const body = await readFile(join(dir, name));
      if (body.length > MAX_ASSET_BYTES) continue;
      const gzip = /^(text|application)\/|svg/.test(type) ? gzipSync(body, { level: 9 }) : null;
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      files.set(`/${name.split('\\').join('/')}`, { type, body, gzip, etag, cacheControl: name.startsWith('assets/') ? IMMUTABLE : REVALIDATE });
    }
    return new StaticAssets(files);
  }

  /** Answers a GET/HEAD for `path`; false when no such file (the caller decides). */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const asset = this.files.get(path);
    if (asset === undefined) return false;
    res.setHeader('content-type', asset.type);
    res.setHeader('cache-control', asset.cacheControl);
    res.setHeader('etag', asset.etag);
    res.setHeader('vary', 'accept-encoding');
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304).end();
      return true;
    }
    const gzip = asset.gzip !== null && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    const body = gzip && asset.gzip ? asset.gzip : asset.body;
    if (gzip) res.setHeader('content-encoding', 'gzip');
    res.setHeader('content-length', body.length);
    res.writeHead(200);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }

  /** Bytes of every file and of what a browser downloads (gzip), for the README's bundle size. */
  get sizes(): { bytes: number; gzipBytes: number } {
    let bytes = 0;
    let gzipBytes = 0;
    for (const a of this.files.values()) {
      bytes += a.body.length;
      gzipBytes += a.gzip?.length ?? a.body.length;
    }
    return { bytes, gzipBytes };
  }
}
