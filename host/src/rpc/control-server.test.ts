import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createRpcPeer, type RpcCaller } from '@hearth/sdk/rpc';
import { createLogger } from '../log.js';
import { CLOSE_GRACE_MS, ControlServer } from './control-server.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-control-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function client(path: string) {
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return createRpcPeer(socket);
}

test('closing the control socket ends a connection that follows (logs -f) instead of waiting for it', async () => {
  const path = join(dir, 'control.sock');
  const followers: RpcCaller[] = [];
  const server = await ControlServer.listen(
    path,
    {
      follow: (_params, caller) => {
        followers.push(caller);
        return { following: true };
      },
    },
    createLogger({ component: 'test' }),
  );
  const follower = await client(path);
  expect(await follower.request('follow')).toEqual({ following: true });
  const started = Date.now();
  await server.close();
  expect(Date.now() - started).toBeLessThan(2_000);
  await follower.closed; // the client sees hearthd go away
  await Promise.all(followers.map((f) => f.closed));
});

test('a client that keeps its half of the connection open is cut off after the grace period', async () => {
  const path = join(dir, 'control.sock');
  const server = await ControlServer.listen(path, {}, createLogger({ component: 'test' }));
  const socket = connect({ path, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.resume();
  const started = Date.now();
  await server.close();
  expect(Date.now() - started).toBeLessThan(CLOSE_GRACE_MS + 1_000);
  socket.destroy();
});
