import type { JSONRPCResponse } from 'json-rpc-2.0';
import { invalidRequestResponse } from './dispatcher.js';

/**
 * Requests in one batch at most: a batch is handled at once, so this bounds what one line can
 * start, as the per-connection concurrency bound does for separate lines.
 */
export const MAX_BATCH_REQUESTS = 64;

/**
 * Serve a JSON-RPC batch (a parsed JSON array) as the specification says: an empty one is an
 * invalid request; each member is answered in order, notifications not at all; a batch of only
 * notifications gets no reply (null). A batch over `maxRequests` is refused whole, saying the limit.
 */
export async function serveBatch(
  items: unknown[],
  serveOne: (item: unknown) => Promise<JSONRPCResponse | null>,
  maxRequests = MAX_BATCH_REQUESTS,
): Promise<JSONRPCResponse | JSONRPCResponse[] | null> {
  if (items.length === 0) return invalidRequestResponse(null, 'invalid request: an empty batch', 'send at least one request in a batch');
  if (items.length > maxRequests) {
    return invalidRequestResponse(null, `invalid request: a batch of ${items.length} requests is over the limit of ${maxRequests}`, `split it into batches of at most ${maxRequests}`);
  }
  const responses = await Promise.all(items.map(serveOne));
  const answered = responses.filter((r): r is JSONRPCResponse => r !== null);
  return answered.length === 0 ? null : answered;
}
