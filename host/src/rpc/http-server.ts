import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { JSONRPCResponse } from 'json-rpc-2.0';
import type { UploadStore } from '../store/uploads.js';
import { serveUpload } from './http-upload.js';
import { MAX_JSON_DEPTH, RpcDispatcher, classifyMessage, invalidRequestResponse, jsonDepthExceeds, parseErrorResponse, serveBatch, toErrorResponse, type RpcCaller } from '@hearth/sdk/rpc';

export const MAX_HTTP_BODY_BYTES = 1024 * 1024;
const JSON_RPC_INVALID_REQUEST = -32600;
const HTTP_HINT = 'POST one JSON-RPC request, or a batch (an array) of them, as the body';

/**
 * The optional TCP listener for tools that cannot reach the unix socket (a web UI): JSON-RPC in
 * an HTTP POST body (one request or a batch), and only with `Authorization: Bearer <token>`;
 * `POST /upload` takes a package file for `package.install {upload}`.
 * No notifications here; `follow` style calls answer once.
 */
export class HttpRpcServer {
  private constructor(private readonly server: Server) {}

  /** `uploads`: where `POST /upload` streams package files for `package.install {upload}`. */
  static async listen(host: string, port: number, token: string, dispatcher: RpcDispatcher, uploads: UploadStore | null = null): Promise<HttpRpcServer> {
    const expected = digest(token);
    const server = createServer((req, res) => {
      handle(req, res, expected, dispatcher, uploads).catch((error: unknown) => {
        // Last net: a request that failed outside its handler still gets an answer, and hearthd stays up.
        if (!res.headersSent) reply(res, 500, toErrorResponse(null, error));
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => resolve());
    });
    return new HttpRpcServer(server);
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Compare digests, not the strings, so the comparison takes the same time whatever the input. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  let text: string;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    status = 500;
    text = JSON.stringify(toErrorResponse(null, error));
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(`${text}\n`);
}

async function handle(req: IncomingMessage, res: ServerResponse, expected: Buffer, dispatcher: RpcDispatcher, uploads: UploadStore | null): Promise<void> {
  const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!auth?.[1] || !timingSafeEqual(digest(auth[1]), expected)) {
    const why = auth ? 'the bearer token is wrong' : 'an Authorization: Bearer <token> header is required';
    reply(res, 401, parseErrorResponse(why, 'the token is in the file hearthd was given with --token-file'), { 'www-authenticate': 'Bearer' });
    req.resume();
    return;
  }
  if (req.method !== 'POST') {
    reply(res, 405, parseErrorResponse(`${req.method ?? '?'} is not supported`, HTTP_HINT), { allow: 'POST' });
    req.resume();
    return;
  }
  if (uploads !== null && (req.url ?? '/').split('?')[0] === '/upload') return await serveUpload(req, res, uploads);
  const message = await readJsonBody(req, res);
  if (message === NO_BODY) return;
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  await serveJsonRpc(res, message, dispatcher, { notify: () => undefined, closed });
}

/** Returned by readJsonBody when it has already answered (too large, too deep, malformed). */
export const NO_BODY: unique symbol = Symbol('no body');

/** The request body as JSON, bounded in size and depth; on a bad body it answers and returns NO_BODY. */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_HTTP_BODY_BYTES) {
      reply(res, 413, parseErrorResponse(`request larger than ${MAX_HTTP_BODY_BYTES} bytes`));
      req.destroy();
      return NO_BODY;
    }
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
    reply(res, 400, parseErrorResponse(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`, HTTP_HINT));
    return NO_BODY;
  }
  let message: unknown;
  try {
    message = JSON.parse(body.toString('utf8'));
  } catch {
    reply(res, 400, parseErrorResponse('malformed JSON', HTTP_HINT));
    return NO_BODY;
  }
  return message;
}

/** Serve one JSON-RPC request or a batch through `dispatcher` and answer it as JSON (the web dashboard uses it too). */
export async function serveJsonRpc(res: ServerResponse, message: unknown, dispatcher: RpcDispatcher, caller: RpcCaller): Promise<void> {
  const serveOne = async (item: unknown): Promise<JSONRPCResponse | null> => {
    const m = classifyMessage(item);
    if (m.kind === 'request') return await dispatcher.handle({ jsonrpc: m.jsonrpc, id: m.id, method: m.method, params: m.params }, caller);
    const reason = m.kind === 'invalid' ? m.reason : 'expected a request, not a response';
    return invalidRequestResponse(m.kind === 'invalid' ? m.id : null, `invalid request: ${reason}`, HTTP_HINT);
  };
  if (Array.isArray(message)) {
    const response = await serveBatch(message, serveOne);
    if (response === null) res.writeHead(204).end();
    else reply(res, Array.isArray(response) ? 200 : 400, response);
    return;
  }
  const response = await serveOne(message);
  if (response === null) {
    res.writeHead(204).end();
    return;
  }
  // A request that was not one (no method, a wrong version) is the client's error; a method's error is an answer.
  reply(res, response.error?.code === JSON_RPC_INVALID_REQUEST ? 400 : 200, response);
}
