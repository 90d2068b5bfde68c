import { spawn } from 'node:child_process';
import { HearthError } from '@hearth/sdk/contract';

/** Output kept per stream; more is dropped (a hostile health check may print without end). */
export const COMMAND_OUTPUT_MAX_BYTES = 64 * 1024;
/** How long output may still arrive after the command exited: a child it left behind may hold the pipes open. */
export const OUTPUT_DRAIN_MS = 500;

export interface CommandOptions {
  /** Killed (killSignal) once it runs this long. */
  timeoutMs: number;
  /** The whole environment (nothing inherited); the runtime's own when absent. */
  env?: Record<string, string>;
  /** Aborting kills it (killSignal); the result says `canceled`. */
  signal?: AbortSignal;
  /** @default 'SIGKILL': these are short commands, a hung one has nothing to save. */
  killSignal?: NodeJS.Signals;
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  canceled: boolean;
  /** One line on why it failed (exit code, signal, timeout, spawn error), or '' when it exited 0. */
  shortMessage: string;
}

/**
 * Run a short command to its end: output collected (bounded), a timeout, cancellation. The
 * runtime's own small runner instead of execa, which was half of the runtime's bundle and a share
 * of every runtime's memory (bench/README.md); the runtime only ever needs this much of it.
 */
export function runCommand(file: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const command = [file, ...args].join(' ');
  return new Promise((resolve) => {
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], bytes: { stdout: 0, stderr: 0 } };
    let timedOut = false;
    let canceled = options.signal?.aborted ?? false;
    let spawnError: Error | null = null;
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(options.env !== undefined && { env: options.env }) });
    const kill = (): void => void child.kill(options.killSignal ?? 'SIGKILL');
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const abort = (): void => {
      canceled = true;
      kill();
    };
    if (canceled) kill();
    else options.signal?.addEventListener('abort', abort, { once: true });
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].on('data', (chunk: Buffer) => {
        const room = COMMAND_OUTPUT_MAX_BYTES - out.bytes[stream];
        if (room <= 0) return;
        out[stream].push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        out.bytes[stream] += Math.min(room, chunk.length);
      });
    }
    child.on('error', (error) => (spawnError = error));
    let drain: NodeJS.Timeout | undefined;
    child.on('exit', () => {
      drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, OUTPUT_DRAIN_MS);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      clearTimeout(drain);
      options.signal?.removeEventListener('abort', abort);
      const text = (stream: 'stdout' | 'stderr'): string => Buffer.concat(out[stream]).toString('utf8').replace(/\n$/, '');
      const why = spawnError
        ? `Command failed: ${command}: ${spawnError.message}`
        : timedOut
          ? `Command timed out after ${options.timeoutMs} milliseconds: ${command}`
          : canceled
            ? `Command was canceled: ${command}`
            : exitCode !== 0
              ? `Command failed with ${exitCode === null ? `signal ${signal}` : `exit code ${exitCode}`}: ${command}`
              : '';
      resolve({ exitCode: spawnError ? null : exitCode, signal, stdout: text('stdout'), stderr: text('stderr'), timedOut, canceled, shortMessage: why });
    });
  });
}

/** runCommand, failing with its shortMessage and stderr unless it exited 0. */
export async function runChecked(file: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const result = await runCommand(file, args, options);
  if (result.shortMessage !== '') {
    throw new HearthError('CONTAINER_FAILED', result.stderr.trim() === '' ? result.shortMessage : `${result.shortMessage}\n${result.stderr.trim()}`, {
      hint: 'see runtime.log in the service’s log folder',
      details: { command: file },
    });
  }
  return result;
}
