import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { toErrorResponse, type RpcDispatcher } from '@hearth/sdk/rpc';
import { NO_BODY, readJsonBody, reply, serveJsonRpc } from '../rpc/http-server.js';
import type { Logger } from '../log.js';
import { rateLimitedWarn } from '../rate-limited-log.js';
import type { StaticAssets } from './assets.js';
import { sendJson, type WebAuth } from './auth.js';
import { hostAllowed, setSecurityHeaders } from './headers.js';
import { serveStream } from './stream.js';
import { StreamChannels } from './channels.js';
import { serveUpload } from '../rpc/http-upload.js';
import type { UploadStore } from '../store/uploads.js';

/** Streams (events, followed logs) one session may hold open; a dashboard uses two or three. */
export const MAX_STREAMS_PER_SESSION = 16;

export interface WebServerOptions {
  host: string;
  port: number;
  dispatcher: RpcDispatcher;
  /** Where POST /api/upload streams package files, for package.install {upload}. */
  uploads: UploadStore;
  auth: WebAuth;
  assets: StaticAssets;
  /** Names besides IP literals and localhost that the Host header may carry (this machine's). */
  hostNames: ReadonlySet<string>;
  /** Key and certificate (PEM) to serve HTTPS; null: plain HTTP. */
  tls: { key: string; cert: string } | null;
  logger: Logger;
}

/**
 * The web dashboard: its static files, sign-in under /api/auth/*, and the control API for the
 * signed-in page: POST /api/rpc (JSON-RPC, the socket's methods through the same dispatcher),
 * POST /api/stream (one request whose notifications follow as server-sent events), POST /api/channel
 * with /api/channel/subscribe and /unsubscribe (one stream per page carrying all its live views) and
 * POST /api/upload (a package file, for package.install {upload}).
 */
export class WebServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async listen(options: WebServerOptions): Promise<WebServer> {
    const warn = rateLimitedWarn(options.logger, 'a dashboard request failed');
    // Open streams per session (keyed by the cookie's id), for MAX_STREAMS_PER_SESSION.
    const streams = new Map<string, number>();
    const channels = new StreamChannels(options.dispatcher);
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      route(req, res, options, streams, channels).catch((error: unknown) => {
        warn({ error: error instanceof Error ? error.message : String(error) });
        if (!res.headersSent) reply(res, 500, toErrorResponse(null, error));
        else res.destroy();
      });
    };
    const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createHttpServer(handler);
    // Headers must arrive quickly, and an idle keep-alive connection is dropped: a slow client holds no socket for long.
    server.headersTimeout = 20_000;
    server.requestTimeout = 0; // streams last as long as the page is open
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host, port: options.port }, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    const web = new WebServer(server, `${options.tls ? 'https' : 'http'}://${host}:${port}/`);
    const sockets = web.sockets;
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.on('secureConnection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    return web;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Stop accepting and end every connection, streams included (they would hold shutdown for ever). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

async function route(req: IncomingMessage, res: ServerResponse, options: WebServerOptions, streams: Map<string, number>, channels: StreamChannels): Promise<void> {
  setSecurityHeaders(res, options.tls !== null);
  if (!hostAllowed(req.headers.host, options.hostNames)) {
    req.resume();
    return sendJson(res, 421, { error: { message: 'this Host is not one of this machine\'s names' } });
  }
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const method = req.method ?? 'GET';
  if (!path.startsWith('/api/')) {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(req, res, 'GET, HEAD');
    // Any other path is a page of the single-page app: the same index.html, which routes itself.
    if (options.assets.serve(req, res, path) || (!path.startsWith('/assets/') && options.assets.serve(req, res, '/index.html'))) return;
    return sendJson(res, 404, { error: { message: `no file ${path}` } });
  }
  const { auth } = options;
  if (path === '/api/auth/state' && method === 'GET') return await auth.state(res);
  if (path === '/api/auth/setup' && method === 'POST') return await auth.setup(req, res);
  if (path === '/api/auth/login' && method === 'POST') return await auth.login(req, res);
  // Everything else needs a session first: unknown paths too, so nothing is learned without one.
  const checked = auth.check(req);
  if ('status' in checked) {
    req.resume();
    return sendJson(res, checked.status, { error: { message: checked.message } });
  }
  if (method !== 'POST') return methodNotAllowed(req, res, 'POST');
  if (path === '/api/auth/logout') return auth.logout(req, res);
  if (path === '/api/rpc') {
    const message = await readJsonBody(req, res);
    if (message === NO_BODY) return;
    const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
    return await serveJsonRpc(res, message, options.dispatcher, { notify: () => undefined, closed });
  }
  if (path === '/api/upload') return await serveUpload(req, res, options.uploads);
  if (path === '/api/channel/subscribe' || path === '/api/channel/unsubscribe') {
    const message = await readJsonBody(req, res);
    if (message === NO_BODY) return;
    const refused = path.endsWith('/subscribe') ? channels.subscribe(checked.id, message) : channels.unsubscribe(checked.id, message);
    return refused === null ? sendJson(res, 200, { ok: true }) : sendJson(res, refused.status, { error: { message: refused.message } });
  }
  if (path === '/api/stream' || path === '/api/channel') {
    const open = streams.get(checked.id) ?? 0;
    if (open >= MAX_STREAMS_PER_SESSION) {
      req.resume();
      return sendJson(res, 429, { error: { message: `at most ${MAX_STREAMS_PER_SESSION} live views per session: close a dashboard tab` } });
    }
    const message = path === '/api/channel' ? null : await readJsonBody(req, res);
    if (message === NO_BODY) return;
    if (path === '/api/channel') req.resume();
    streams.set(checked.id, open + 1);
    res.once('close', () => {
      const left = (streams.get(checked.id) ?? 1) - 1;
      if (left <= 0) streams.delete(checked.id);
      else streams.set(checked.id, left);
    });
    if (path === '/api/channel') return channels.open(res, checked.id);
    return await serveStream(res, message, options.dispatcher);
  }
  return sendJson(res, 404, { error: { message: `no API path ${path}` } });
}

function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
  req.resume();
  sendJson(res, 405, { error: { message: `${req.method ?? '?'} is not allowed here` } }, { allow });
}
