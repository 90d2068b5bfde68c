import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_BATCH_REQUESTS, RpcDispatcher, type Handler } from '@hearth/sdk/rpc';
import { createLogger } from '../log.js';
import { ControlServer } from './control-server.js';
import { HttpRpcServer } from './http-server.js';

/**
 * Section 7 of https://www.jsonrpc.org/specification, example by example, against both transports
 * of the control API. Error messages are ours; codes, ids and results are the specification's.
 */
const METHODS: Record<string, Handler> = {
  subtract: (params) => {
    if (Array.isArray(params)) return (params[0] as number) - (params[1] as number);
    const p = params as { minuend: number; subtrahend: number };
    return p.minuend - p.subtrahend;
  },
  sum: (params) => (params as number[]).reduce((a, b) => a + b, 0),
  get_data: () => ['hello', 5],
  update: () => null,
  notify_hello: () => null,
  notify_sum: () => null,
};

const err = (code: number, id: string | number | null) => ({ jsonrpc: '2.0', error: { code }, id });

/** [name, what is sent, what comes back (null: nothing)] */
const EXAMPLES: [string, string, unknown][] = [
  ['positional parameters', '{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}', { jsonrpc: '2.0', result: 19, id: 1 }],
  ['positional parameters, swapped', '{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}', { jsonrpc: '2.0', result: -19, id: 2 }],
  ['named parameters', '{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}', { jsonrpc: '2.0', result: 19, id: 3 }],
  ['named parameters, reordered', '{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}', { jsonrpc: '2.0', result: 19, id: 4 }],
  ['a notification', '{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}', null],
  ['a notification of an unknown method', '{"jsonrpc": "2.0", "method": "foobar"}', null],
  ['a non-existent method', '{"jsonrpc": "2.0", "method": "foobar", "id": "1"}', err(-32601, '1')],
  ['invalid JSON', '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]', err(-32700, null)],
  ['an invalid Request object', '{"jsonrpc": "2.0", "method": 1, "params": "bar"}', err(-32600, null)],
  ['a batch of invalid JSON', '[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},{"jsonrpc": "2.0", "method"]', err(-32700, null)],
  ['an empty array', '[]', err(-32600, null)],
  ['an invalid batch, not empty', '[1]', [err(-32600, null)]],
  ['an invalid batch', '[1,2,3]', [err(-32600, null), err(-32600, null), err(-32600, null)]],
  [
    'a batch',
    '[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}, {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"}, {"foo": "boo"}, {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"}, {"jsonrpc": "2.0", "method": "get_data", "id": "9"}]',
    [{ jsonrpc: '2.0', result: 7, id: '1' }, { jsonrpc: '2.0', result: 19, id: '2' }, err(-32600, null), err(-32601, '5'), { jsonrpc: '2.0', result: ['hello', 5], id: '9' }],
  ],
  ['a batch of notifications only', '[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]', null],
];

const SENTINEL = '{"jsonrpc": "2.0", "method": "sum", "params": [40, 2], "id": "sentinel"}';
const OVERSIZE_BATCH = JSON.stringify(Array.from({ length: MAX_BATCH_REQUESTS + 1 }, (_, i) => ({ jsonrpc: '2.0', method: 'sum', params: [i], id: i })));

let dir: string;
let control: ControlServer;
let http: HttpRpcServer;
const TOKEN = 'spec-token';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-spec-'));
  control = await ControlServer.listen(join(dir, 'control.sock'), METHODS, createLogger({ component: 'test' }));
  const dispatcher = new RpcDispatcher();
  for (const [name, handler] of Object.entries(METHODS)) dispatcher.addMethod(name, handler);
  http = await HttpRpcServer.listen('127.0.0.1', 0, TOKEN, dispatcher);
});
afterAll(async () => {
  await control?.close();
  await http?.close();
  await rm(dir, { recursive: true, force: true });
});

/** After both awaited answers came, how long a late extra line (an answer to a notification) is waited for. */
const SETTLE_MS = 100;
const WAIT_MS = 10_000;

/**
 * Send one line, then a sentinel request; the answer to the line, or null when only the
 * sentinel's came. Waits for the answer when one is expected (a loaded machine may answer a batch
 * after the sentinel), and a little longer for any answer that should not come at all.
 */
async function overSocket(text: string, expectReply: boolean): Promise<unknown> {
  const socket = connect(join(dir, 'control.sock'));
  const answers: unknown[] = [];
  let sentinel = false;
  let buffered = '';
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) {
      const line = JSON.parse(part) as { id?: unknown };
      if (!Array.isArray(line) && line.id === 'sentinel') sentinel = true;
      else answers.push(line);
    }
  });
  try {
    socket.write(`${text}\n${SENTINEL}\n`);
    for (const deadline = Date.now() + WAIT_MS; !(sentinel && (!expectReply || answers.length > 0)); await sleep(10)) {
      if (Date.now() > deadline) throw new Error(`no answer within ${WAIT_MS} ms (sentinel answered: ${sentinel}, answers: ${JSON.stringify(answers)})`);
    }
    await sleep(SETTLE_MS);
    return answers.length === 0 ? null : answers.length === 1 ? answers[0] : answers;
  } finally {
    socket.destroy();
  }
}

async function overHttp(text: string, _expectReply: boolean): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${http.port}/`, { method: 'POST', body: text, headers: { authorization: `Bearer ${TOKEN}` } });
  if (response.status === 204) return null;
  return await response.json();
}

describe.each([
  ['the unix socket', overSocket],
  ['the HTTP listener', overHttp],
])('JSON-RPC 2.0 section 7 examples over %s', (_transport, send) => {
  test.each(EXAMPLES)('%s', async (_name, request, expected) => {
    const reply = await send(request, expected !== null);
    if (expected === null) expect(reply).toBeNull();
    else expect(reply).toMatchObject(expected as object);
    if (Array.isArray(expected)) expect(reply).toHaveLength(expected.length);
  });

  test(`a batch of more than ${MAX_BATCH_REQUESTS} requests is refused whole, saying the limit`, async () => {
    const reply = await send(OVERSIZE_BATCH, true);
    expect(reply).toMatchObject(err(-32600, null));
    expect((reply as { error: { message: string } }).error.message).toContain(`over the limit of ${MAX_BATCH_REQUESTS}`);
  });
});
