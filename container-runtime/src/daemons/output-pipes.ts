import { closeSync, constants, fchownSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runChecked } from '../commands/run-command.js';

export const MKFIFO_TIMEOUT_MS = 5_000;

/** A pipe for one output stream: the daemon gets `writeFd`, the runtime reads `reader`. */
export interface OutputPipe {
  writeFd: number;
  reader: Socket;
}

/**
 * Real pipes for a daemon's stdout and stderr. Node's `stdio: 'pipe'` gives a child unix sockets,
 * and a socket cannot be opened again: `echo x > /dev/stdout` (or nginx's `error_log /dev/stderr`,
 * php-fpm's `/proc/self/fd/2`) fails with ENXIO. Node has no pipe(2), so a FIFO is made in `dir`,
 * both ends are opened, and its name is removed at once: what is left is an anonymous pipe.
 * The read end is opened first and non-blocking (so the open does not wait for a writer); the write
 * end then opens at once and blocking, as the daemon expects its stdout to be.
 */
export async function outputPipes(dir: string, owner: { uid: number; gid: number }): Promise<{ stdout: OutputPipe; stderr: OutputPipe }> {
  // Unique: execs of one daemon make theirs in the same dir at the same time.
  const tag = randomBytes(6).toString('hex');
  const paths = [join(dir, `stdout-${tag}.fifo`), join(dir, `stderr-${tag}.fifo`)] as const;
  await runChecked('mkfifo', ['-m', '600', ...paths], { timeoutMs: MKFIFO_TIMEOUT_MS });
  const made: OutputPipe[] = [];
  const pipe = (path: string): OutputPipe => {
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    let writeFd = -1;
    try {
      writeFd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
      // Its user reopens it (`> /dev/stdout`), which checks the pipe's owner and mode (runc does the same).
      fchownSync(writeFd, owner.uid, owner.gid);
    } catch (error) {
      if (writeFd >= 0) closeSync(writeFd);
      closeSync(readFd);
      throw error;
    }
    const one = { writeFd, reader: new Socket({ fd: readFd, readable: true, writable: false }) };
    made.push(one);
    return one;
  };
  try {
    return { stdout: pipe(paths[0]), stderr: pipe(paths[1]) };
  } catch (error) {
    for (const { writeFd, reader } of made) {
      closeSync(writeFd);
      reader.destroy();
    }
    throw error;
  } finally {
    await rm(paths[0], { force: true });
    await rm(paths[1], { force: true });
  }
}
