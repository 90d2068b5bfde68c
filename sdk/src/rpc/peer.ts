import type { Socket } from 'node:net';
import { JSONRPCClient, createJSONRPCErrorResponse, type JSONRPCID, type JSONRPCResponse } from 'json-rpc-2.0';
import { HearthError, errorMessage } from '../errors.js';
import { RpcDispatcher, parseErrorResponse, type Handler, type RpcCaller } from './dispatcher.js';

/**
 * JSON-RPC 2.0 over a stream socket, one JSON message per line, both directions on one connection.
 * Errors thrown by handlers travel as `{code, message, data: {code, hint, details}}` and come back
 * out of `request` as the same HearthError.
 */

export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;


export interface RpcPeerOptions {
  /** A longer line is refused and the connection closed. @default 8 MiB */
  maxLineBytes?: number;
  /** Called for notifications (requests without an id) whose method has no handler. */
  onNotification?: (method: string, params: unknown) => void;
  /** Called when the peer sends something that is not JSON-RPC. */
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
  const dispatcher = new RpcDispatcher();
  let open = !socket.destroyed;
  let lastId = 0;

  const send = (payload: unknown): void => {
    if (!open) return;
    socket.write(`${JSON.stringify(payload)}\n`);
  };
  const client = new JSONRPCClient((payload) => {
    if (!open) throw new HearthError('HOST_UNREACHABLE', 'the connection is closed');
    send(payload);
  });

  const protocolError = (message: string): void => {
    const response = parseErrorResponse(message);
    options.onProtocolError?.(HearthError.fromRpcError(response.error));
    send(response);
  };

  const dispatch = (message: unknown): void => {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      protocolError('expected a JSON-RPC object');
      return;
    }
    const m = message as { method?: unknown; id?: JSONRPCID; params?: unknown };
    if (typeof m.method !== 'string') {
      client.receive(message as JSONRPCResponse); // an answer to one of our requests
      return;
    }
    if (m.id === undefined && !dispatcher.has(m.method)) {
      options.onNotification?.(m.method, m.params);
      return;
    }
    dispatcher.handle({ ...m, method: m.method }, peer).then(
      (response) => {
        if (response) send(response);
      },
      (error: unknown) => options.onProtocolError?.(new HearthError('INTERNAL', errorMessage(error), { cause: error })),
    );
  };

  const refuseOversize = (): void => {
    buffered = '';
    protocolError(`message larger than ${maxLineBytes} bytes`);
    socket.end();
  };

  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    if (socket.writableEnded) return; // refused already; ignore the rest
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line.length === 0) continue;
      if (Buffer.byteLength(line) > maxLineBytes) {
        refuseOversize();
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        protocolError('malformed JSON');
        continue;
      }
      dispatch(message);
    }
    if (Buffer.byteLength(buffered) > maxLineBytes) refuseOversize();
  });

  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => {
      open = false;
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
      send({ jsonrpc: '2.0', method, params });
    },
    closed,
    close() {
      socket.end();
      socket.destroySoon();
    },
  };
  return peer;
}
