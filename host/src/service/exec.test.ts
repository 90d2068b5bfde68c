import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { ExecParams } from '@hearth/sdk/contract';
import { createRpcPeer, type RpcPeer } from '@hearth/sdk/rpc';
import { createLogger } from '../log.js';
import { runExec, type ExecListeners } from './exec.js';

let dir: string;
let server: Server;
let host: RpcPeer;
/** What the fake runtime saw. */
let seen: { exec?: ExecParams; cancelled?: string };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-exec-'));
  seen = {};
  const path = join(dir, 'link.sock');
  let finish: (() => void) | null = null;
  server = createServer((socket) => {
    const runtime = createRpcPeer(socket);
    runtime.addMethod('runtime.exec', async (params) => {
      seen.exec = params as ExecParams;
      await new Promise<void>((resolve) => (finish = resolve)); // runs until cancelled
      return { exitCode: null, signal: 'SIGKILL', timedOut: false };
    });
    runtime.addMethod('runtime.cancelExec', (params) => {
      seen.cancelled = (params as { execId: string }).execId;
      finish?.();
      return { cancelled: true };
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const socket = connect(path);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  host = createRpcPeer(socket);
});
afterEach(async () => {
  host.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

test('an exec whose caller hangs up is cancelled in the runtime, by its exec id', async () => {
  const hangup = new AbortController();
  const listeners: ExecListeners = new Map();
  const result = runExec(host, listeners, { daemon: 'web', command: ['sleep', '600'], user: '1000:1000' }, () => undefined, createLogger({ component: 'test' }), hangup.signal);
  await expect.poll(() => seen.exec).toBeDefined();
  expect(seen.exec).toMatchObject({ daemon: 'web', user: '1000:1000', command: ['sleep', '600'] });
  hangup.abort();
  await expect(result).resolves.toMatchObject({ signal: 'SIGKILL' });
  expect(seen.cancelled).toBe(seen.exec?.execId);
  expect(listeners.size).toBe(0);
});
