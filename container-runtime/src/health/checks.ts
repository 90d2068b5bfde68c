import { request } from 'node:http';
import { errorMessage, type CheckFunction, type HealthCheckSpec } from '@hearth/sdk/contract';
import { tcpPortAnswers } from './tcp.js';
import { chrootArgv } from '../daemons/command.js';
import { SETUP_SHELL, setupArgv } from '../daemons/process.js';
import { runCommand } from '../commands/run-command.js';

export interface CheckContext {
  /** The daemon's root and user: command checks run in its image, as its user (as Kubernetes exec probes do). */
  root: string;
  userspec: string | null;
  /** The daemon's cgroup.procs files: a check counts with its daemon, and is killed before the runtime. */
  cgroupProcs: readonly string[];
  env: Record<string, string>;
  checkFunction(ref: string): CheckFunction | undefined;
  /** Aborts when the daemon's run ends: the attempt under way stops too. */
  signal: AbortSignal;
  /**
   * The call of a function check still running from an earlier attempt (package code may ignore
   * its abort signal): no second call is made until it settles. Kept by the caller across attempts.
   */
  inFlight: { call: Promise<unknown> | null };
}

/**
 * `cannotRun`: the check itself cannot run (its command is missing or not executable in the
 * daemon's image, its function is not in the package), so no later attempt can pass either.
 */
export type Attempt = { ok: true } | { ok: false; message: string; cannotRun?: true };

/** Exit codes POSIX reserves for a command that was found but cannot be executed (126) or was not found (127); chroot and sh use them. */
const CANNOT_EXECUTE_EXIT_CODES: readonly number[] = [126, 127];

function httpStatus(port: number, path: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Call a function check with a signal that aborts at its timeout (or when the run ends). The
 * function is package code and may not stop: its call stays recorded in `inFlight` until it
 * settles, and no attempt calls it again meanwhile, so calls never pile up.
 */
async function callFunction(fn: CheckFunction, ms: number, ctx: CheckContext): Promise<Attempt> {
  // A call aborted at the end of the last attempt may have settled just now: let it say so first.
  if (ctx.inFlight.call !== null) await new Promise((resolve) => setImmediate(resolve));
  if (ctx.inFlight.call !== null) return { ok: false, message: `its call from an earlier attempt is still running after its ${ms} ms timeout` };
  if (ctx.signal.aborted) return { ok: false, message: 'cancelled: the daemon’s run ended' };
  const controller = new AbortController();
  const abort = (): void => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', abort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  // Called on a later tick, so a run that ended meanwhile does not call it at all.
  const call = Promise.resolve().then(() => (controller.signal.aborted ? ({ ok: false, message: 'cancelled: the daemon’s run ended' } as const) : fn({ signal: controller.signal })));
  const settled = call.then(
    () => undefined,
    () => undefined,
  );
  ctx.inFlight.call = settled;
  void settled.then(() => {
    if (ctx.inFlight.call === settled) ctx.inFlight.call = null;
  });
  try {
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
    const result = await Promise.race([call, timedOut]);
    if (result === 'timeout') return { ok: false, message: `timed out after ${ms} ms` };
    if (result === true || (typeof result === 'object' && result.ok)) return { ok: true };
    return { ok: false, message: typeof result === 'object' && !result.ok ? result.message : 'the check function returned false' };
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', abort);
    controller.abort(new Error('the attempt is over')); // timed out, or done: work it started should stop
  }
}

/** One attempt of a check; never throws, a failure says why. */
export async function runCheck(check: HealthCheckSpec, ctx: CheckContext): Promise<Attempt> {
  try {
    switch (check.kind) {
      case 'tcp':
        return (await tcpPortAnswers(check.port, check.timeoutMs)) ? { ok: true } : { ok: false, message: `port ${check.port} does not accept connections` };
      case 'http': {
        const status = await httpStatus(check.port, check.path, check.timeoutMs);
        const ok = check.statuses ? check.statuses.includes(status) : status >= 200 && status < 400;
        return ok ? { ok: true } : { ok: false, message: `GET ${check.path} on port ${check.port} answered ${status}` };
      }
      case 'command': {
        const result = await runCommand(SETUP_SHELL, setupArgv(ctx.cgroupProcs, chrootArgv(ctx.root, ctx.userspec, check.command)), {
          env: ctx.env,
          timeoutMs: check.timeoutMs,
          signal: ctx.signal,
          killSignal: 'SIGKILL', // a check that ignores SIGTERM must not outlive its attempt
        });
        if (result.canceled) return { ok: false, message: 'cancelled: the daemon stopped' };
        if (result.timedOut) return { ok: false, message: `${check.command.join(' ')} timed out after ${check.timeoutMs} ms` };
        if (result.exitCode === 0) return { ok: true };
        const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-1)[0] ?? '';
        if (result.exitCode !== null && CANNOT_EXECUTE_EXIT_CODES.includes(result.exitCode)) {
          return { ok: false, cannotRun: true, message: `${check.command.join(' ')} cannot be executed in the daemon's image (exit ${result.exitCode})${output ? `: ${output}` : ''}` };
        }
        return { ok: false, message: `${check.command.join(' ')} exited ${result.exitCode ?? result.signal}${output ? `: ${output}` : ''}` };
      }
      case 'function': {
        const fn = ctx.checkFunction(check.ref);
        if (!fn) return { ok: false, cannotRun: true, message: `the package has no check function ${check.ref}` };
        return await callFunction(fn, check.timeoutMs, ctx);
      }
    }
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
}
