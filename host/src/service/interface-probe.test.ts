import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { probeInterface } from './interface-probe.js';

let dir: string;
const servers: Server[] = [];
const uid = process.getuid?.() ?? 0;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-probe-'));
});
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function relay(name: string, onConnection: (socket: import('node:net').Socket) => void): Promise<string> {
  const path = join(dir, name);
  const server = createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return path;
}

test('an interface whose relay connection stays open is listened on: no warning', async () => {
  const held: import('node:net').Socket[] = [];
  const path = await relay('web.sock', (s) => held.push(s));
  expect(await probeInterface(path, uid, 80, 50)).toBeNull();
  for (const s of held) s.destroy();
});

test('an interface whose relay closes the connection at once has nobody listening: a warning naming the port', async () => {
  const path = await relay('web.sock', (s) => s.destroy());
  expect(await probeInterface(path, uid, 8080, 500)).toBe('nothing listens on port 8080 inside the container');
});

test('a missing interface socket is a warning too, not an error', async () => {
  expect(await probeInterface(join(dir, 'missing.sock'), uid, 80, 50)).toMatch(/^the interface socket cannot be reached: /);
});
