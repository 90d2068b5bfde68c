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
  let reported: string[] = [];
  let waiting: (() => void)[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-peer-'));
    reported = [];
    waiting = [];
    server = createServer((socket) => {
      const peer = createRpcPeer(socket, {
        maxLineBytes: 1024,
        maxConcurrentRequests: 4,
        onProtocolError: (error) => reported.push(error.message),
        onNotification: (method) => {
          if (method === 'throw') throw new Error('notification handler failed');
        },
      });
      peer.addMethod('wait', () => new Promise<void>((resolve) => waiting.push(resolve)));
      peer.addMethod('unserializable', () => ({ big: 1n }));
      peer.addMethod('params', (params) => ({ keys: Object.keys(params as object) }));
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
      error: { code: -32601, data: { code: 'METHOD_NOT_FOUND', hint: 'known methods: crash, echo, fail, params, unserializable, wait' } },
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

  const lines = (socket: Socket): unknown[] => {
    const out: unknown[] = [];
    let rest = '';
    socket.on('data', (d) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const part of parts) if (part) out.push(JSON.parse(part));
    });
    return out;
  };

  test('nesting deeper than the bound anywhere in a request is a parse error, and the connection keeps working', async () => {
    const socket = await open();
    const replies = lines(socket);
    socket.write(`{"jsonrpc":"2.0","id":${'['.repeat(100)}${']'.repeat(100)},"method":"echo"}\n`);
    socket.write(`{"jsonrpc":"2.0","id":1,"method":"echo","params":${'['.repeat(65)}${']'.repeat(65)}}\n`);
    socket.write(`{"jsonrpc":"2.0","id":2,"method":"echo","params":{"ok":true}}\n`);
    await expect.poll(() => replies.length).toBe(3);
    expect(replies[0]).toMatchObject({ id: null, error: { code: -32700, message: 'JSON nested deeper than 64 levels' } });
    expect(replies[1]).toMatchObject({ id: null, error: { code: -32700 } });
    expect(replies[2]).toMatchObject({ id: 2, result: { ok: true } });
  });

  test('an id that is an object, an array or a long string is refused with id null, never echoed', async () => {
    const socket = await open();
    const replies = lines(socket);
    socket.write('{"jsonrpc":"2.0","id":{"a":[1,2]},"method":"echo"}\n');
    socket.write(`{"jsonrpc":"2.0","id":"${'x'.repeat(300)}","method":"echo"}\n`);
    socket.write('{"jsonrpc":"2.0","id":[1],"method":"nope"}\n');
    await expect.poll(() => replies.length).toBe(3);
    for (const reply of replies) expect(reply).toMatchObject({ id: null, error: { code: -32600 } });
    expect(JSON.stringify(replies)).not.toContain('xxxxxxxxxx');
  });

  test('an unknown method name is quoted cut short in the error', async () => {
    const reply = (await rawReply(`{"jsonrpc":"2.0","id":1,"method":"${'m'.repeat(900)}"}\n`)) as { error: { message: string } };
    expect(reply.error.message.length).toBeLessThan(150);
  });

  test('a result that cannot be serialized is answered INTERNAL and reported', async () => {
    expect(await rawReply('{"jsonrpc":"2.0","id":5,"method":"unserializable"}\n')).toMatchObject({ id: 5, error: { data: { code: 'INTERNAL' } } });
    expect(reported.join()).toContain('could not be serialized');
  });

  test('a notification handler that throws is reported and the connection keeps working', async () => {
    const socket = await open();
    const replies = lines(socket);
    socket.write('{"jsonrpc":"2.0","method":"throw","params":{}}\n{"jsonrpc":"2.0","id":7,"method":"echo","params":{}}\n');
    await expect.poll(() => replies.length).toBe(1);
    expect(replies[0]).toMatchObject({ id: 7 });
    expect(reported.join()).toContain('notification handler failed');
  });

  test('prototype keys as method names and param keys behave as any other name', async () => {
    const socket = await open();
    const replies = lines(socket);
    for (const [i, method] of ['__proto__', 'constructor', 'toString', 'hasOwnProperty'].entries()) {
      socket.write(`{"jsonrpc":"2.0","id":${i},"method":"${method}"}\n`);
    }
    socket.write('{"jsonrpc":"2.0","id":9,"method":"params","params":{"__proto__":{"x":1},"constructor":1}}\n');
    await expect.poll(() => replies.length).toBe(5);
    for (const reply of replies.slice(0, 4)) expect(reply).toMatchObject({ error: { data: { code: 'METHOD_NOT_FOUND' } } });
    expect(replies[4]).toMatchObject({ id: 9, result: { keys: ['__proto__', 'constructor'] } });
  });

  test('at most maxConcurrentRequests are handled at once; the rest wait unread until one finishes', async () => {
    const socket = await open();
    const replies = lines(socket);
    let flood = '';
    for (let i = 0; i < 10; i += 1) flood += `{"jsonrpc":"2.0","id":${i},"method":"wait"}\n`;
    socket.write(flood);
    await expect.poll(() => waiting.length).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(waiting.length).toBe(4);
    waiting.shift()?.();
    await expect.poll(() => waiting.length).toBe(4); // one finished, one more started
    expect(replies).toHaveLength(1);
    for (;;) {
      const next = waiting.shift();
      if (next) next();
      else if (replies.length === 10) break;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
});
