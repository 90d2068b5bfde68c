import type { ServerResponse } from 'node:http';
import { classifyMessage, invalidRequestResponse, type RpcDispatcher } from '@hearth/sdk/rpc';
import { reply } from '../rpc/http-server.js';

/** A comment line this often keeps proxies and the browser from timing a quiet stream out. */
export const KEEPALIVE_MS = 20_000;
/** A browser that stops reading is cut off once this much waits for it, so it cannot grow hearthd. */
export const MAX_UNREAD_BYTES = 4 * 1024 * 1024;
const STREAM_HINT = 'POST one JSON-RPC request (such as events.subscribe or service.logs with follow) as the body';

/**
 * One JSON-RPC request whose notifications follow as server-sent events: `event: result` with the
 * JSON-RPC response, then `event: notification` with `{method, params}` for each notification the
 * method sends, until the browser goes away. The same dispatcher and methods as the socket's
 * `events.subscribe` and `logs -f`; only the framing differs.
 */
export async function serveStream(res: ServerResponse, message: unknown, dispatcher: RpcDispatcher): Promise<void> {
  const m = classifyMessage(message);
  if (m.kind !== 'request') {
    reply(res, 400, invalidRequestResponse(m.kind === 'invalid' ? m.id : null, 'expected one JSON-RPC request with an id', STREAM_HINT));
    return;
  }
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  let open = true;
  void closed.then(() => (open = false));
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  const send = (event: string, data: unknown): void => {
    if (!open) return;
    if (res.writableLength > MAX_UNREAD_BYTES) {
      open = false;
      res.destroy();
      return;
    }
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  // Notifications sent before the result is written wait for it, so the result always comes first.
  const early: { method: string; params?: object }[] = [];
  let answered = false;
  const caller = {
    closed,
    notify: (method: string, params?: object): void => {
      if (answered) send('notification', { method, params });
      else early.push({ method, params });
    },
  };
  const keepalive = setInterval(() => open && res.write(': keepalive\n\n'), KEEPALIVE_MS);
  void closed.then(() => clearInterval(keepalive));
  const response = await dispatcher.handle({ jsonrpc: m.jsonrpc, id: m.id, method: m.method, params: m.params }, caller);
  send('result', response);
  answered = true;
  for (const note of early) send('notification', note);
  // A method that failed has nothing to follow.
  if (response === null || 'error' in response) {
    clearInterval(keepalive);
    res.end();
  }
}
