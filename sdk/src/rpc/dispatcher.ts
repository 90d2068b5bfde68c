import {
  JSONRPCServer,
  createJSONRPCErrorResponse,
  type JSONRPCErrorResponse,
  type JSONRPCID,
  type JSONRPCResponse,
} from 'json-rpc-2.0';
import { HearthError } from '../errors.js';
import { preview } from './bounds.js';

const JSON_RPC_PARSE_ERROR = -32700;
const JSON_RPC_INVALID_REQUEST = -32600;

/** Who called a method: lets a handler send notifications back and notice when the caller goes away. */
export interface RpcCaller {
  notify(method: string, params?: object): void;
  readonly closed: Promise<void>;
}

/** A method handler; `caller` is the connection it was called on. */
export type Handler = (params: unknown, caller: RpcCaller) => unknown;

export function toErrorResponse(id: JSONRPCID, error: unknown): JSONRPCErrorResponse {
  const hearthError = HearthError.from(error); // one of another realm (a package's SDK) keeps its code
  return createJSONRPCErrorResponse(id, hearthError.rpcCode, hearthError.message, hearthError.toData());
}

export function parseErrorResponse(message: string, hint = 'send one JSON-RPC 2.0 object per line'): JSONRPCErrorResponse {
  const error = new HearthError('INVALID_PARAMS', message, { hint });
  return createJSONRPCErrorResponse(null, JSON_RPC_PARSE_ERROR, message, error.toData());
}

/** Valid JSON that is not a request we serve (-32600 Invalid Request). */
export function invalidRequestResponse(id: JSONRPCID, message: string, hint = 'send one JSON-RPC 2.0 object per line'): JSONRPCErrorResponse {
  const error = new HearthError('INVALID_PARAMS', message, { hint });
  return createJSONRPCErrorResponse(id, JSON_RPC_INVALID_REQUEST, message, error.toData());
}

/**
 * The server half of JSON-RPC, independent of transport (socket lines, HTTP bodies). Thrown errors
 * become `{code, message, data: {code, hint, details}}`; an unknown method lists the known ones.
 */
export class RpcDispatcher {
  // Errors reach the caller as responses; the library would also console.warn them.
  private readonly server = new JSONRPCServer<RpcCaller>({ errorListener: () => undefined });
  private readonly names = new Set<string>();

  constructor() {
    this.server.mapErrorToJSONRPCErrorResponse = (id, error) => toErrorResponse(id, error);
  }

  addMethod(name: string, handler: Handler): void {
    this.names.add(name);
    this.server.addMethod(name, (params: unknown, caller: RpcCaller) => handler(params, caller));
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** The response to one request, or null for a notification. */
  async handle(message: { method: string; id?: JSONRPCID; params?: unknown; jsonrpc?: unknown }, caller: RpcCaller): Promise<JSONRPCResponse | null> {
    if (!this.names.has(message.method)) {
      if (message.id === undefined) return null;
      const error = new HearthError('METHOD_NOT_FOUND', `unknown method ${preview(message.method)}`, {
        hint: `known methods: ${[...this.names].sort().join(', ')}`,
      });
      return toErrorResponse(message.id, error);
    }
    // One request object in, so at most one response out (the transports split batches, batch.ts).
    try {
      return (await this.server.receive(message as Parameters<JSONRPCServer['receive']>[0], caller)) as JSONRPCResponse | null;
    } catch (error) {
      // The library maps handler errors itself; this is the last net, so a request is never left unanswered.
      return message.id === undefined ? null : toErrorResponse(message.id, error);
    }
  }
}
