import { createJSONRPCErrorResponse, type JSONRPCResponse } from 'json-rpc-2.0';
import { ERROR_CODES } from '../errors.js';
import { MAX_ID_LENGTH, isValidRequestId } from './bounds.js';

/** What one parsed line from a peer is, checked so that nothing unbounded is echoed back. */
export type Incoming =
  | { kind: 'request'; method: string; id: string | number | null | undefined; params: unknown; jsonrpc: unknown }
  | { kind: 'response'; response: JSONRPCResponse }
  /** Not JSON-RPC we serve: answered with an error to `id` when `answer`, else only reported. */
  | { kind: 'invalid'; id: string | number | null; answer: boolean; reason: string };

const ID_RULE = `an id must be a string of at most ${MAX_ID_LENGTH} characters, a finite number or null`;

export function classifyMessage(message: unknown): Incoming {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { kind: 'invalid', id: null, answer: true, reason: 'expected a JSON-RPC request object' };
  }
  const m = message as Record<string, unknown>;
  const id = m.id;
  if (id !== undefined && !isValidRequestId(id)) return { kind: 'invalid', id: null, answer: true, reason: ID_RULE };
  if (m.method === undefined) {
    // Something with `result` or `error` is an answer to one of our requests; only ours carry numeric
    // ids, anything else matches nothing and is not answered (two peers would answer each other for ever).
    if (Object.hasOwn(m, 'result') || Object.hasOwn(m, 'error')) {
      if (typeof id !== 'number') return { kind: 'invalid', id: null, answer: false, reason: 'a response without a numeric id' };
      return { kind: 'response', response: normalizeResponse(id, m) };
    }
    return { kind: 'invalid', id: id ?? null, answer: true, reason: 'a request needs a method' };
  }
  if (typeof m.method !== 'string') return { kind: 'invalid', id: id ?? null, answer: true, reason: 'method must be a string' };
  if (m.jsonrpc !== '2.0') return { kind: 'invalid', id: id ?? null, answer: true, reason: 'jsonrpc must be "2.0"' };
  // Structured or absent, as the specification says; null is taken as absent.
  if (m.params !== undefined && m.params !== null && typeof m.params !== 'object') {
    return { kind: 'invalid', id: id ?? null, answer: true, reason: 'params must be an object or an array' };
  }
  return { kind: 'request', method: m.method, id, params: m.params, jsonrpc: m.jsonrpc };
}

/** A response as the client expects it: a result, or an error with a numeric code and a string message. */
function normalizeResponse(id: number, m: Record<string, unknown>): JSONRPCResponse {
  if (m.error === undefined) {
    if (Object.hasOwn(m, 'result')) return { jsonrpc: '2.0', id, result: m.result };
    return malformed(id, 'a response with neither result nor error');
  }
  const error: unknown = m.error;
  const { code, message, data } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; data?: unknown };
  if (typeof code !== 'number' || typeof message !== 'string') return malformed(id, 'an error response without a numeric code and a message');
  return createJSONRPCErrorResponse(id, code, message, data);
}

function malformed(id: number, what: string): JSONRPCResponse {
  return createJSONRPCErrorResponse(id, ERROR_CODES.INTERNAL, `the peer sent ${what}`, { code: 'INTERNAL' });
}
