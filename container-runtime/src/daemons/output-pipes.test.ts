import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { outputPipes } from './output-pipes.js';

async function read(reader: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of reader) text += String(chunk);
  return text;
}

describe("a daemon's output pipes", () => {
  test('can be reopened by the process, as /dev/stdout, /dev/stderr and /proc/self/fd/1, and leave no name behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-pipes-'));
    try {
      const pipes = await outputPipes(dir, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
      expect(await readdir(dir)).toEqual([]);
      const child = spawn('/bin/sh', ['-c', 'echo a > /dev/stdout; echo b > /dev/stderr; echo c > /proc/self/fd/1'], { stdio: ['ignore', pipes.stdout.writeFd, pipes.stderr.writeFd] });
      closeSync(pipes.stdout.writeFd);
      closeSync(pipes.stderr.writeFd);
      const [stdout, stderr, code] = await Promise.all([read(pipes.stdout.reader), read(pipes.stderr.reader), new Promise((resolve) => child.once('exit', resolve))]);
      expect({ stdout, stderr, code }).toEqual({ stdout: 'a\nc\n', stderr: 'b\n', code: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
