import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { HearthError } from '../errors.js';
import { createRpcPeer } from './peer.js';

describe('RPC peer over a unix socket', () => {
  let dir: string;
  let server: Server;
  const clients: Socket[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-peer-'));
    server = createServer((socket) => {
      const peer = createRpcPeer(socket, { maxLineBytes: 1024 });
      peer.addMethod('echo', (params) => params);
      peer.addMethod('fail', () => {
        throw new HearthError('PACKAGE_NOT_INSTALLED', 'no package "x" is installed', { hint: 'install it', details: { id: 'x' } });
      });
      peer.addMethod('crash', () => {
        throw new TypeError('boom');
      });
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 's.sock'), resolve));
  });

  afterEach(async () => {
    for (const c of clients) c.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (): Promise<Socket> => {
    const socket = connect(join(dir, 's.sock'));
    clients.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  };

  const rawReply = async (payload: string): Promise<unknown> => {
    const socket = await open();
    return await new Promise((resolve) => {
      socket.once('data', (d) => resolve(JSON.parse(d.toString().split('\n')[0] ?? '')));
      socket.write(payload);
    });
  };

  test('a result comes back to the caller', async () => {
    const peer = createRpcPeer(await open());
    expect(await peer.request('echo', { a: 1 })).toEqual({ a: 1 });
  });

  test('a HearthError thrown by a handler is rebuilt on the client with its code, hint and details', async () => {
    const peer = createRpcPeer(await open());
    const error = await peer.request('fail').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HearthError);
    expect(error).toMatchObject({ code: 'PACKAGE_NOT_INSTALLED', hint: 'install it', details: { id: 'x' } });
  });

  test('any other thrown error arrives as INTERNAL with its message, never "object"', async () => {
    const peer = createRpcPeer(await open());
    await expect(peer.request('crash')).rejects.toMatchObject({ code: 'INTERNAL', message: 'boom' });
  });

  test('an unknown method is METHOD_NOT_FOUND and lists the known ones', async () => {
    expect(await rawReply('{"jsonrpc":"2.0","id":1,"method":"nope"}\n')).toMatchObject({
      id: 1,
      error: { code: -32601, data: { code: 'METHOD_NOT_FOUND', hint: 'known methods: crash, echo, fail' } },
    });
  });

  test('malformed JSON gets a parse error and the connection keeps working', async () => {
    const socket = await open();
    const lines: string[] = [];
    socket.on('data', (d) => lines.push(...d.toString().split('\n').filter(Boolean)));
    socket.write('{not json\n{"jsonrpc":"2.0","id":2,"method":"echo","params":{"ok":true}}\n');
    await expect.poll(() => lines.length).toBe(2);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ id: null, error: { code: -32700 } });
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ id: 2, result: { ok: true } });
  });

  test('a line over the size bound is refused and the connection closed', async () => {
    const socket = await open();
    const closed = new Promise((resolve) => socket.once('close', resolve));
    let reply = '';
    socket.on('data', (d) => (reply += d.toString()));
    socket.write(`{"jsonrpc":"2.0","id":3,"method":"echo","params":{"x":"${'a'.repeat(4096)}"}}\n`);
    await closed;
    expect(reply).toContain('larger than 1024 bytes');
  });
});
