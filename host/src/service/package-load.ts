import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { HearthError } from '@hearth/sdk/contract';
import type { RpcPeer } from '@hearth/sdk/rpc';
import { requestRuntime } from './runtime-results.js';

/** How long a package's code may take to load (import and `main`) in the runtime. */
export const PACKAGE_LOAD_TIMEOUT_MS = 30_000;
/** How much of the end of runtime.log is read for an error: the file can be megabytes. */
export const LOG_TAIL_BYTES = 4 * 1024;
export const LOG_TAIL_LINES = 8;
export const LOG_TAIL_LINE_CHARS = 300;
/** After the runtime's connection closes, how long its container may take to exit (and LXC to write its console). */
export const CONTAINER_EXIT_WAIT_MS = 3_000;
const EXIT_POLL_MS = 100;
/** Lines that say nothing to a user: V8's native stack trace after a fatal error, and its section markers. */
const NOISE = [/^\s*\d+: 0x[0-9a-f]+ /, /^-+ Native stack trace -+$/, /^<--- .* --->$/];

/** Container output reaches the user's terminal in an error: no control characters (escape sequences). */
function printable(line: string): string {
  const clean = line.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > LOG_TAIL_LINE_CHARS ? `${clean.slice(0, LOG_TAIL_LINE_CHARS)}…` : clean;
}

/**
 * The last lines that say something (not blank, not V8's native stack) of a log whose content the container controls (LXC writes the
 * container's console to it), read bounded and made printable. Not following a link and not
 * blocking on a FIFO, though the file's directory is the host's. [] when it cannot be read.
 */
export async function logTail(file: string): Promise<string[]> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
  if (handle === null) return [];
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return [];
    const length = Math.min(stat.size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, stat.size - length);
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split(/\r?\n|\r/);
    if (stat.size > length) lines.shift(); // cut in the middle
    return lines
      .filter((l) => l.trim() !== '' && !NOISE.some((noise) => noise.test(l)))
      .slice(-LOG_TAIL_LINES)
      .map(printable);
  } finally {
    await handle.close();
  }
}

export interface StartingContainer {
  name: string;
  /** The host path of its runtime.log. */
  runtimeLog: string;
  /** True while its init runs. */
  running(): Promise<boolean>;
}

/** A container that exited while starting, said with the last lines its runtime wrote (why it died). */
export async function containerExited(container: StartingContainer, when: string, cause?: unknown): Promise<HearthError> {
  const tail = await logTail(container.runtimeLog);
  return new HearthError('CONTAINER_FAILED', `container ${container.name} exited ${when}${tail.length > 0 ? `; the end of its runtime.log: ${tail.join(' | ')}` : ''}`, {
    hint: `see ${container.runtimeLog}`,
    details: { runtimeLog: tail },
    cause,
  });
}

/** A request to the runtime; when it fails because the container exited meanwhile, that is the error. */
export async function explainingExit<T>(request: Promise<T>, container: StartingContainer, when: string): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof HearthError && error.code === 'TIMEOUT') throw error;
    const deadline = Date.now() + CONTAINER_EXIT_WAIT_MS;
    while (await container.running()) {
      if (Date.now() >= deadline) throw error;
      await sleep(EXIT_POLL_MS);
    }
    throw await containerExited(container, when, error);
  }
}

/**
 * Wait until the runtime has loaded the package's code (it connects first, then loads). Code that
 * loops at load leaves the answer out: a TIMEOUT that says so. Code that allocates at load kills
 * the runtime (its V8 heap is limited, see scripts/build-base.mjs): the container exits, and the
 * error carries V8's message from runtime.log.
 */
export async function awaitPackageLoad(runtime: RpcPeer, container: StartingContainer, timeoutMs = PACKAGE_LOAD_TIMEOUT_MS): Promise<void> {
  try {
    await explainingExit(requestRuntime(runtime, 'runtime.loaded', {}, timeoutMs), container, 'while loading the package code');
  } catch (error) {
    if (error instanceof HearthError && error.code === 'TIMEOUT') {
      throw new HearthError('TIMEOUT', `package code did not finish loading within ${timeoutMs / 1000} s: it hangs at load`, {
        hint: "the package's module runs without end when it is imported (a loop at its top level, or its main never returns); the container was stopped; ask the package's publisher",
        details: { timeoutMs },
        cause: error,
      });
    }
    throw error;
  }
}
