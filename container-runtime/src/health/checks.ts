import { request } from 'node:http';
import { execa } from 'execa';
import { errorMessage, type CheckFunction, type HealthCheckSpec } from '@hearth/sdk/contract';
import { tcpPortAnswers } from './tcp.js';
import { chrootArgv } from '../daemons/command.js';
import { SETUP_SHELL, setupArgv } from '../daemons/process.js';

export interface CheckContext {
  /** The daemon's root and user: command checks run in its image, as its user (as Kubernetes exec probes do). */
  root: string;
  userspec: string | null;
  /** The daemon's cgroup.procs files: a check counts with its daemon, and is killed before the runtime. */
  cgroupProcs: readonly string[];
  env: Record<string, string>;
  checkFunction(ref: string): CheckFunction | undefined;
}

export type Attempt = { ok: true } | { ok: false; message: string };

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

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
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
        const result = await execa(SETUP_SHELL, setupArgv(ctx.cgroupProcs, chrootArgv(ctx.root, ctx.userspec, check.command)), { env: ctx.env, extendEnv: false, timeout: check.timeoutMs, reject: false });
        if (result.timedOut) return { ok: false, message: `${check.command.join(' ')} timed out after ${check.timeoutMs} ms` };
        if (result.exitCode === 0) return { ok: true };
        const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-1)[0] ?? '';
        return { ok: false, message: `${check.command.join(' ')} exited ${result.exitCode ?? result.signal}${output ? `: ${output}` : ''}` };
      }
      case 'function': {
        const fn = ctx.checkFunction(check.ref);
        if (!fn) return { ok: false, message: `the package has no check function ${check.ref}` };
        const result = await withTimeout(Promise.resolve(fn()), check.timeoutMs);
        if (result === true || (typeof result === 'object' && result.ok)) return { ok: true };
        return { ok: false, message: typeof result === 'object' && !result.ok ? result.message : 'the check function returned false' };
      }
    }
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
}
