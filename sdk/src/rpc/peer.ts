import type { Socket } from 'node:net';
import { JSONRPCClient, createJSONRPCErrorResponse, type JSONRPCResponse } from 'json-rpc-2.0';
import { HearthError, errorMessage } from '../errors.js';
import { RpcDispatcher, invalidRequestResponse, parseErrorResponse, toErrorResponse, type Handler, type RpcCaller } from './dispatcher.js';
import { MAX_JSON_DEPTH, jsonDepthExceeds, preview } from './bounds.js';
import { classifyMessage } from './incoming.js';
import { MAX_BATCH_REQUESTS, serveBatch } from './batch.js';
import { LineSplitter } from './line-splitter.js';

/**
 * JSON-RPC 2.0 over a stream socket, one JSON message per line, both directions on one connection.
 * Errors thrown by handlers travel as `{code, message, data: {code, hint, details}}` and come back
 * out of `request` as the same HearthError.
 *
 * The other side is not trusted: a line is bounded in bytes and in nesting before it is parsed, ids
 * that could not be echoed safely are refused, nothing a handler does escapes as an exception, and a
 * peer that floods requests or does not read its replies is slowed (reading pauses), not buffered.
 */

export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 64;
/**
 * Small on purpose: replies are often tens of bytes, so a byte bound of megabytes lets a peer that
 * never reads have hundreds of thousands of requests handled (and their garbage made) first.
 */
export const DEFAULT_MAX_WRITE_BUFFER_BYTES = 1024 * 1024;
/** A notification finding this much unread closes the connection: the peer is not reading (a `logs -f` that stalled). */
export const DEFAULT_MAX_NOTIFY_BACKLOG_BYTES = 64 * 1024 * 1024;

export interface RpcPeerOptions {
  /** A longer line is refused and the connection closed. @default 8 MiB */
  maxLineBytes?: number;
  /** Requests handled at once; reading pauses at this many until one finishes (a batch counts as its requests). @default 64 */
  maxConcurrentRequests?: number;
  /** Requests in one batch at most; a larger batch is refused whole (invalid request, saying the limit). @default 64 */
  maxBatchRequests?: number;
  /** Reading pauses while this much written output is not yet taken by the peer (one larger reply is still written whole). @default 1 MiB */
  maxWriteBufferBytes?: number;
  /** A notification finding this much output unread closes the connection instead of queueing more. @default 64 MiB */
  maxNotifyBacklogBytes?: number;
  /** Called for notifications (requests without an id) whose method has no handler. A throw is reported, not raised. */
  onNotification?: (method: string, params: unknown) => void;
  /** Called when the peer sends something that is not JSON-RPC, or a handler fails outside a request. */
  onProtocolError?: (error: HearthError) => void;
}

export interface RpcPeer extends RpcCaller {
  addMethod(name: string, handler: Handler): void;
  request<R>(method: string, params?: object, timeoutMs?: number): Promise<R>;
  /** Resolves when the socket has closed, for whatever reason. */
  readonly closed: Promise<void>;
  close(): void;
}

export function createRpcPeer(socket: Socket, options: RpcPeerOptions = {}): RpcPeer {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxConcurrent = options.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS;
  const maxWriteBuffer = options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES;
  const maxNotifyBacklog = options.maxNotifyBacklogBytes ?? DEFAULT_MAX_NOTIFY_BACKLOG_BYTES;
  const maxBatch = options.maxBatchRequests ?? MAX_BATCH_REQUESTS;
  const dispatcher = new RpcDispatcher();
  const splitter = new LineSplitter(maxLineBytes);
  let open = !socket.destroyed;
  let refused = false;
  let lastId = 0;
  let handling = 0;
  // Lines split from chunks already read but not yet handled: at most one chunk's worth, since reading pauses.
  let queue: Buffer[] = [];
  let next = 0;
  // Lines to write, joined into one socket write per turn of the event loop: a queued write costs
  // far more memory than its bytes, so thousands of small replies written one by one to a peer that
  // does not read would hold several times the write bound.
  let outbox: string[] = [];
  let outboxBytes = 0;
  let flushScheduled = false;

  const report = (error: HearthError): void => options.onProtocolError?.(error);

  const serialize = (payload: unknown): string | Error => {
    try {
      return JSON.stringify(payload);
    } catch (error) {
      return error instanceof Error ? error : new Error(errorMessage(error));
    }
  };
  const flush = (): void => {
    flushScheduled = false;
    if (outbox.length === 0) return;
    const text = outbox.join('');
    outbox = [];
    outboxBytes = 0;
    // A write the socket took whole fires no 'drain': reading may resume now.
    if (!open || socket.destroyed || socket.writableEnded) return;
    if (socket.write(text) && !refused) pump();
  };
  const write = (line: string): void => {
    if (socket.writableEnded) return;
    outbox.push(`${line}\n`);
    outboxBytes += line.length + 1;
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };
  const unwritten = (): number => socket.writableLength + outboxBytes;

  /** Never throws: a reply that cannot be serialized is reported and answered INTERNAL instead. */
  const send = (payload: unknown): void => {
    if (!open) return;
    let line = serialize(payload);
    if (line instanceof Error) {
      report(new HearthError('INTERNAL', `a message could not be serialized: ${line.message}`, { cause: line }));
      const id = (payload as { id?: unknown }).id;
      if (typeof id !== 'string' && typeof id !== 'number' && id !== null) return; // a notification: nobody to answer
      line = JSON.stringify(toErrorResponse(id, new HearthError('INTERNAL', 'the reply could not be serialized', { hint: 'see the server log' })));
    }
    write(line);
  };
  const client = new JSONRPCClient((payload) => {
    if (!open) throw new HearthError('HOST_UNREACHABLE', 'the connection is closed');
    const line = serialize(payload);
    if (line instanceof Error) throw new HearthError('INTERNAL', `the request could not be serialized: ${line.message}`, { cause: line });
    write(line);
  });

  const protocolError = (message: string): void => {
    const response = parseErrorResponse(message);
    report(HearthError.fromRpcError(response.error));
    send(response);
  };

  /** One request of a line or a batch: its response, or null (a notification, or nothing to answer). */
  const serveRequest = async (method: string, message: { id?: string | number | null; params?: unknown; jsonrpc?: unknown }): Promise<JSONRPCResponse | null> => {
    if (message.id === undefined && !dispatcher.has(method)) {
      try {
        options.onNotification?.(method, message.params);
      } catch (error) {
        report(new HearthError('INTERNAL', `the handler of notification ${preview(method)} failed: ${errorMessage(error)}`, { cause: error }));
      }
      return null;
    }
    return await dispatcher.handle({ ...message, method }, peer);
  };

  /** A member of a batch: requests are served, anything else is an invalid request (responses are not batched to us). */
  const serveBatchItem = async (item: unknown): Promise<JSONRPCResponse | null> => {
    const incoming = classifyMessage(item);
    if (incoming.kind === 'request') return await serveRequest(incoming.method, { jsonrpc: incoming.jsonrpc, id: incoming.id, params: incoming.params });
    const reason = incoming.kind === 'invalid' ? incoming.reason : 'a response inside a batch';
    report(new HearthError('INVALID_PARAMS', `invalid request: ${reason}`));
    return invalidRequestResponse(incoming.kind === 'invalid' ? incoming.id : null, `invalid request: ${reason}`);
  };

  /** Counted against the concurrency bound as `weight` requests until it is answered. */
  const track = (weight: number, work: Promise<unknown>): void => {
    handling += weight;
    work
      .then(
        (response) => {
          if (response) send(response);
        },
        (error: unknown) => report(new HearthError('INTERNAL', errorMessage(error), { cause: error })),
      )
      .finally(() => {
        handling -= weight;
        pump();
      });
  };

  const handleLine = (line: Buffer): void => {
    // Bounded before parsing: JSON.parse (and later JSON.stringify) would recurse once per level.
    if (jsonDepthExceeds(line, MAX_JSON_DEPTH)) {
      protocolError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      return;
    }
    const text = line.toString('utf8');
    if (text.trim().length === 0) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      protocolError('malformed JSON');
      return;
    }
    if (Array.isArray(message)) {
      track(Math.max(1, message.length), serveBatch(message, serveBatchItem, maxBatch));
      return;
    }
    const incoming = classifyMessage(message);
    if (incoming.kind === 'response') client.receive(incoming.response);
    else if (incoming.kind === 'request') track(1, serveRequest(incoming.method, { jsonrpc: incoming.jsonrpc, id: incoming.id, params: incoming.params }));
    else {
      report(new HearthError('INVALID_PARAMS', `invalid request: ${incoming.reason}`));
      if (incoming.answer) send(invalidRequestResponse(incoming.id, `invalid request: ${incoming.reason}`));
    }
  };

  const blocked = (): boolean => handling >= maxConcurrent || unwritten() > maxWriteBuffer;
  /** Handle queued lines while the bounds allow; read more only when the queue is empty and nothing blocks. */
  const pump = (): void => {
    while (next < queue.length && !refused && !blocked()) {
      const line = queue[next] as Buffer;
      next += 1;
      handleLine(line);
    }
    if (next >= queue.length) {
      queue = [];
      next = 0;
    }
    if (!open || refused) return;
    if (queue.length > 0 || blocked()) socket.pause();
    else socket.resume();
  };

  socket.on('data', (chunk: Buffer) => {
    if (refused) return;
    const lines = splitter.push(chunk);
    if (lines === 'oversize') {
      refused = true;
      queue = [];
      protocolError(`message larger than ${maxLineBytes} bytes`);
      flush();
      socket.destroySoon(); // ends our side once the error is written
      return;
    }
    for (const line of lines) queue.push(line);
    pump();
  });
  socket.on('drain', pump);

  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => {
      open = false;
      queue = [];
      client.rejectAllPendingRequests('the connection closed');
      resolve();
    });
  });
  socket.on('error', () => socket.destroy()); // 'close' follows and settles everything

  const peer: RpcPeer = {
    addMethod(name, handler) {
      dispatcher.addMethod(name, handler);
    },
    async request<R>(method: string, params: object = {}, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<R> {
      let response: JSONRPCResponse;
      try {
        response = await client
          .timeout(timeoutMs, (id) =>
            createJSONRPCErrorResponse(id, -32053, `${method} got no answer within ${timeoutMs} ms`, { code: 'TIMEOUT' }),
          )
          .requestAdvanced({ jsonrpc: '2.0', id: ++lastId, method, params });
      } catch (error) {
        if (error instanceof HearthError) throw error;
        throw new HearthError('HOST_UNREACHABLE', `the connection closed before ${method} was answered`, {
          hint: 'the other side stopped or crashed; check whether the operation happened before retrying',
          cause: error,
        });
      }
      if (response.error) throw HearthError.fromRpcError(response.error);
      return response.result as R;
    },
    notify(method, params = {}) {
      if (open && unwritten() > maxNotifyBacklog) {
        report(new HearthError('HOST_UNREACHABLE', `closing a connection whose peer left ${unwritten()} bytes unread`));
        socket.destroy();
        return;
      }
      send({ jsonrpc: '2.0', method, params });
    },
    closed,
    close() {
      refused = true; // handle nothing more: its reply could not be written
      flush();
      socket.end();
      socket.destroySoon();
    },
  };
  return peer;
}
