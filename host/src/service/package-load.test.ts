import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { HearthError } from '@hearth/sdk/contract';
import type { RpcPeer } from '@hearth/sdk/rpc';
import { LOG_TAIL_BYTES, LOG_TAIL_LINES, awaitPackageLoad, logTail } from './package-load.js';

const peerFailing = (error: Error): RpcPeer => ({ request: () => Promise.reject(error) }) as unknown as RpcPeer;

describe('the end of runtime.log, as shown in a start error', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-log-tail-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('is the last lines, read from the last few KiB only, without the line cut in the middle', async () => {
    const file = join(dir, 'runtime.log');
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    await writeFile(file, `${lines.join('\n')}\n\n`);
    const tail = await logTail(file);
    expect(tail).toEqual(lines.slice(-LOG_TAIL_LINES));
    await writeFile(file, 'x'.repeat(LOG_TAIL_BYTES * 2));
    expect(await logTail(file)).toEqual([]); // one line longer than what is read: it is all cut
  });

  test('has no control characters, so container output cannot drive the terminal; long lines are cut', async () => {
    const file = join(dir, 'runtime.log');
    await writeFile(file, `\u001b]0;pwned\u0007FATAL ERROR: heap\r\n${'y'.repeat(1000)}\n`);
    const [first, second] = await logTail(file);
    expect(first).toBe('?]0;pwned?FATAL ERROR: heap');
    expect(second).toMatch(/^y{300}…$/);
  });

  test("after V8 runs out of heap, it is V8's reason, not its native stack trace", async () => {
    const file = join(dir, 'runtime.log');
    const frames = Array.from({ length: 16 }, (_, i) => `${i + 1}: 0x10b${i}304 v8::internal::Factory::AllocateRaw(int) [/usr/bin/node]`);
    await writeFile(file, ['<--- JS stacktrace --->', '', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', '----- Native stack trace -----', '', ...frames, ''].join('\n'));
    expect(await logTail(file)).toEqual(['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory']);
  });

  test('is empty for a symlink, a FIFO or a missing file (never followed, never blocking)', async () => {
    await writeFile(join(dir, 'secret'), 'host secret\n');
    await symlink(join(dir, 'secret'), join(dir, 'link.log'));
    execFileSync('mkfifo', [join(dir, 'fifo.log')]);
    expect(await logTail(join(dir, 'link.log'))).toEqual([]);
    expect(await logTail(join(dir, 'fifo.log'))).toEqual([]);
    expect(await logTail(join(dir, 'missing.log'))).toEqual([]);
  });

  test('package code that never finishes loading fails the wait with a TIMEOUT that says it hangs at load', async () => {
    const container = { name: 'hearth-x', runtimeLog: join(dir, 'runtime.log'), running: () => Promise.resolve(true) };
    const error = await awaitPackageLoad(peerFailing(new HearthError('TIMEOUT', 'runtime.loaded got no answer within 30000 ms')), container, 30_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT', message: 'package code did not finish loading within 30 s: it hangs at load' });
  });

  test('a runtime that dies while loading (its container exits) fails the wait with the end of runtime.log', async () => {
    await writeFile(join(dir, 'runtime.log'), '{"message":"connected to hearthd"}\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n');
    const container = { name: 'hearth-x', runtimeLog: join(dir, 'runtime.log'), running: () => Promise.resolve(false) };
    const error = await awaitPackageLoad(peerFailing(new HearthError('HOST_UNREACHABLE', 'the connection closed')), container).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONTAINER_FAILED' });
    expect((error as Error).message).toMatch(/^container hearth-x exited while loading the package code; the end of its runtime\.log: .*JavaScript heap out of memory$/);
  });
});
