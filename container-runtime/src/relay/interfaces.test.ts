import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { InterfaceSockets } from './interfaces.js';

const refused = (path: string): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('the interface sockets', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-relay-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('when a later interface cannot listen, the earlier ones are closed and their sockets removed', async () => {
    // iface-b.sock is a directory with a file in it: it cannot be removed, so b cannot listen.
    await mkdir(join(dir, 'iface-b.sock'));
    await writeFile(join(dir, 'iface-b.sock', 'x'), '');
    const interfaces = { a: { name: 'A', port: 1, protocol: 'http' as const }, b: { name: 'B', port: 2, protocol: 'http' as const } };
    const failed = await InterfaceSockets.listen(dir, interfaces).then(() => null, (error: unknown) => error);
    expect(failed).toMatchObject({ code: 'CONTAINER_FAILED' });
    expect(existsSync(join(dir, 'iface-a.sock'))).toBe(false);
    expect(await refused(join(dir, 'iface-a.sock'))).toBe(true);
  });
});
