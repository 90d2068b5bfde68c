import { chown, link, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { connectOwnedSocket } from './safe-socket.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.HEARTH_REQUIRE_ALL === '1') throw new Error('these tests need root (HEARTH_REQUIRE_ALL is set, so they fail instead of being skipped)');

/** Container root as the host sees it (layout.ts). */
const OWNER = 100_000;
/** Connections made while the attacker swaps the socket: the race is run this many times. */
const RACE_CONNECTIONS = 3000;
const ATTACKER_TIMEOUT_MS = 120_000;

/**
 * The attacker, as container root would in its sockets dir: swaps the interface socket by rename(2)
 * between a link to the control socket, a hard link of the control socket (a socket, but host
 * root's) and the service's own socket, as fast as it can, until killed.
 */
const ATTACKER = `
const { linkSync, renameSync, symlinkSync, writeFileSync } = require('node:fs');
const [dir, control, own, target] = process.argv.slice(1);
let swaps = 0;
for (;;) {
  symlinkSync(control, dir + '/a'); renameSync(dir + '/a', target);
  linkSync(control, dir + '/b'); renameSync(dir + '/b', target);
  linkSync(own, dir + '/c'); renameSync(dir + '/c', target);
  swaps += 3;
  if (swaps % 3000 === 0) writeFileSync(dir + '/swaps', String(swaps));
}`;

async function serve(path: string, greeting: string, onConnection: () => void = () => undefined): Promise<Server> {
  const server = createServer((socket) => {
    onConnection();
    socket.end(greeting);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

async function greetingOf(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await new Promise((resolve) => socket.once('close', resolve));
  return text;
}

describe.skipIf(!isRoot)('connecting to a socket in a directory the container writes', () => {
  let dir: string;
  let control: string;
  let own: string;
  let controlConnections: number;
  const servers: Server[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-safe-socket-'));
    control = join(dir, 'control.sock');
    own = join(dir, 'own.sock');
    controlConnections = 0;
    servers.push(await serve(control, 'CONTROL', () => (controlConnections += 1)));
    servers.push(await serve(own, 'SERVICE'));
    await chown(own, OWNER, OWNER);
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  test('the container’s own socket is connected to', async () => {
    expect(await greetingOf(await connectOwnedSocket(own, OWNER))).toBe('SERVICE');
  });

  test('a symlink to the control socket, or a hard link of it, is refused without connecting', async () => {
    await symlink(control, join(dir, 'symlink.sock'));
    await link(control, join(dir, 'hardlink.sock'));
    await expect(connectOwnedSocket(join(dir, 'symlink.sock'), OWNER)).rejects.toMatchObject({ code: 'CONTAINER_FAILED', message: expect.stringContaining('is a symlink') as unknown });
    await expect(connectOwnedSocket(join(dir, 'hardlink.sock'), OWNER)).rejects.toMatchObject({ code: 'CONTAINER_FAILED', message: expect.stringContaining('a socket of uid 0') as unknown });
    expect(controlConnections).toBe(0);
  });

  test(`a socket swapped by rename as fast as the attacker can, across ${RACE_CONNECTIONS} connections: the control socket is never reached`, async () => {
    const target = join(dir, 'iface-web.sock');
    await link(own, target);
    const attacker: ResultPromise = execa(process.execPath, ['-e', ATTACKER, dir, control, own, target], { reject: false, timeout: ATTACKER_TIMEOUT_MS });
    const outcomes = { served: 0, refused: 0 };
    try {
      for (let i = 0; i < RACE_CONNECTIONS; i += 1) {
        const socket = await connectOwnedSocket(target, OWNER).catch((error: unknown) => error as Error);
        if (socket instanceof Error) {
          expect(socket.message).toMatch(/is a symlink|a socket of uid 0/);
          outcomes.refused += 1;
        } else {
          expect(await greetingOf(socket)).toBe('SERVICE');
          outcomes.served += 1;
        }
      }
    } finally {
      attacker.kill('SIGKILL');
      await attacker;
    }
    expect(controlConnections).toBe(0);
    // Both ways out were taken many times: the race was run, not missed.
    expect(outcomes.served).toBeGreaterThan(RACE_CONNECTIONS / 20);
    expect(outcomes.refused).toBeGreaterThan(RACE_CONNECTIONS / 20);
  });
});
