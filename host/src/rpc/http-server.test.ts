import { afterAll, beforeAll, expect, test } from 'vitest';
import { HearthError } from '@hearth/sdk/contract';
import { RpcDispatcher } from '@hearth/sdk/rpc';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRpcServer, MAX_HTTP_BODY_BYTES } from './http-server.js';
import { UploadStore } from '../store/uploads.js';
import { hpkHead } from '../store/test-hpk-head.js';

const TOKEN = 'a-long-random-token';
let server: HttpRpcServer;
let url: string;
let dir: string;
let uploads: UploadStore;

beforeAll(async () => {
  const dispatcher = new RpcDispatcher();
  dispatcher.addMethod('echo', (params) => params);
  dispatcher.addMethod('fail', () => {
    throw new HearthError('PACKAGE_NOT_INSTALLED', 'no package "x" is installed');
  });
  dir = await mkdtemp(join(tmpdir(), 'hearth-http-'));
  uploads = await UploadStore.open(join(dir, 'uploads'), 64 * 1024);
  server = await HttpRpcServer.listen('127.0.0.1', 0, TOKEN, dispatcher, uploads);
  url = `http://127.0.0.1:${server.port}/`;
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (body: string, token?: string) =>
  fetch(url, { method: 'POST', body, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

test('the TCP listener refuses a request without a token, or with a wrong one, with 401', async () => {
  const request = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: { a: 1 } });
  const none = await post(request);
  expect(none.status).toBe(401);
  expect(await none.json()).toMatchObject({ error: { message: 'an Authorization: Bearer <token> header is required' } });
  const wrong = await post(request, 'guess');
  expect(wrong.status).toBe(401);
});

test('with the token, a request is answered, errors keep their stable code', async () => {
  const ok = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: { a: 1 } }), TOKEN);
  expect(await ok.json()).toEqual({ jsonrpc: '2.0', id: 1, result: { a: 1 } });
  const failed = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'fail' }), TOKEN);
  expect(await failed.json()).toMatchObject({ id: 2, error: { data: { code: 'PACKAGE_NOT_INSTALLED' } } });
});

test('malformed JSON and oversize bodies are refused by name', async () => {
  const bad = await post('{nope', TOKEN);
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ error: { message: 'malformed JSON' } });
  // The client must see the refusal, not a reset connection: a fetch error fails the test.
  const big = await post(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'echo', params: { x: 'a'.repeat(2 * MAX_HTTP_BODY_BYTES) } }), TOKEN);
  expect(big.status).toBe(413);
  expect(await big.json()).toMatchObject({ id: null, error: { message: `request larger than ${MAX_HTTP_BODY_BYTES} bytes` } });
});

test('a deeply nested id or params is refused by name and never echoed; the server keeps answering', async () => {
  const deepId = await post(`{"jsonrpc":"2.0","id":${'['.repeat(100_000)}${']'.repeat(100_000)},"method":"echo"}`, TOKEN);
  expect(deepId.status).toBe(400);
  expect(await deepId.json()).toMatchObject({ id: null, error: { message: 'JSON nested deeper than 64 levels' } });
  const objectId = await post('{"jsonrpc":"2.0","id":{"a":1},"method":"echo"}', TOKEN);
  expect(await objectId.json()).toMatchObject({ id: null, error: { code: -32600 } });
  const ok = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: {} }), TOKEN);
  expect(await ok.json()).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
});

test('POST /upload takes a package file for package.install {upload} with the token only; a non-.hpk is refused in words', async () => {
  const file = Buffer.concat([hpkHead(), Buffer.alloc(10_000, 3)]);
  expect((await fetch(`${url}upload`, { method: 'POST', body: file })).status).toBe(401);
  const ok = await fetch(`${url}upload`, { method: 'POST', body: file, headers: { authorization: `Bearer ${TOKEN}` } });
  expect(ok.status).toBe(200);
  const { upload } = (await ok.json()) as { upload: string };
  expect(await readFile(uploads.pathOf(upload))).toEqual(file);
  const wrong = await fetch(`${url}upload`, { method: 'POST', body: Buffer.alloc(1000, 0x41), headers: { authorization: `Bearer ${TOKEN}` } });
  expect(wrong.status).toBe(415);
  expect(await wrong.json()).toMatchObject({ error: { data: { code: 'ARCHIVE_NOT_HPK' } } });
});
