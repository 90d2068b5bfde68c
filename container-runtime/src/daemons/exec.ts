import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { HearthError, type ExecResult } from '@hearth/sdk/contract';
import { chrootArgv } from './command.js';
import { outputPipes } from './output-pipes.js';
import { SETUP_SHELL, setupArgv } from './process.js';
import { userspecOf, type UserIds } from './user.js';

/** Exit code of a command that could not be started at all, as shells report it. */
export const NOT_STARTED_EXIT_CODE = 127;
/** After the command exits, how long its last output may take to drain (a child holding the pipe is cut off). */
export const OUTPUT_DRAIN_MS = 100;

export interface ExecRun {
  /** The daemon's mounted root and where the output pipes are made. */
  root: string;
  pipeDir: string;
  user: UserIds;
  /** Its daemon's cgroup.procs files: counted with it, killed with it. */
  cgroupProcs: readonly string[];
  env: Record<string, string>;
  command: string[];
  timeoutMs: number;
  onOutput(stream: 'stdout' | 'stderr', data: string): void;
  /** Aborts when the caller is gone (runtime.cancelExec): the command's whole process group is killed. */
  signal: AbortSignal;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/**
 * Run a command in a daemon's root as `userspec`, streaming its output (real pipes, as the
 * daemon's: `echo > /dev/stderr` works). At its timeout, or when `signal` aborts, its whole
 * process group is SIGKILLed, so a shell's children go too.
 */
export async function runExec(request: ExecRun): Promise<ExecResult> {
  const pipes = await outputPipes(request.pipeDir, request.user);
  // node:child_process, not execa: execa's types refuse a file descriptor held in a variable for stdout.
  let child: ChildProcess;
  try {
    child = spawn(SETUP_SHELL, setupArgv(request.cgroupProcs, chrootArgv(request.root, userspecOf(request.user), request.command)), {
      env: request.env,
      stdio: ['ignore', pipes.stdout.writeFd, pipes.stderr.writeFd],
      detached: true, // its own process group, killed as one
    });
  } catch (error) {
    pipes.stdout.reader.destroy();
    pipes.stderr.reader.destroy();
    throw error;
  } finally {
    // The child has its own copies; ours would keep the pipes open after it ends.
    closeSync(pipes.stdout.writeFd);
    closeSync(pipes.stderr.writeFd);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error })); // never unhandled: it would end the runtime
  });
  const drained = new Promise<void>((resolve) => {
    let open = 2;
    for (const [stream, reader] of [['stdout', pipes.stdout.reader], ['stderr', pipes.stderr.reader]] as const) {
      reader.setEncoding('utf8').on('data', (data: string) => request.onOutput(stream, data));
      reader.on('error', () => undefined); // the pipe closes with the process; nothing to report
      reader.once('close', () => (open -= 1) === 0 && resolve());
    }
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, request.timeoutMs);
  const cancel = (): void => killGroup(child.pid);
  request.signal.addEventListener('abort', cancel, { once: true });
  if (request.signal.aborted) cancel();
  try {
    const result = await exited;
    clearTimeout(timer);
    // Output still in the pipes arrives before the result; a child that kept them open is cut off.
    const drain = new AbortController();
    await Promise.race([drained, sleep(OUTPUT_DRAIN_MS, undefined, { signal: drain.signal }).catch(() => undefined)]);
    drain.abort();
    if (result.error !== undefined) {
      request.onOutput('stderr', `hearth: cannot run ${SETUP_SHELL}: ${result.error.message}\n`);
      return { exitCode: NOT_STARTED_EXIT_CODE, signal: null, timedOut: false };
    }
    return { exitCode: result.code, signal: result.signal, timedOut };
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener('abort', cancel);
    pipes.stdout.reader.destroy();
    pipes.stderr.reader.destroy();
  }
}

/** Execs running now by the host's exec id, so `runtime.cancelExec` can end one whose caller left. */
export class ExecRegistry {
  private readonly running = new Map<string, AbortController>();

  async run<T>(execId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.running.has(execId)) throw new HearthError('INVALID_PARAMS', `an exec with id ${JSON.stringify(execId)} is running already`, { hint: 'give each exec its own id' });
    const controller = new AbortController();
    this.running.set(execId, controller);
    try {
      return await work(controller.signal);
    } finally {
      this.running.delete(execId);
    }
  }

  /** True when an exec with this id was running (it is killed now). */
  cancel(execId: string): boolean {
    const controller = this.running.get(execId);
    if (controller === undefined) return false;
    controller.abort(new Error('cancelled: its caller went away'));
    return true;
  }
}
