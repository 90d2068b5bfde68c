import { describe, expect, test } from 'vitest';
import type { CheckFunction, HealthCheckSpec } from '@hearth/sdk/contract';
import { runCheck, type CheckContext } from './checks.js';

const check: HealthCheckSpec = { kind: 'function', ref: 'web.ready', intervalMs: 10, timeoutMs: 20, failureThreshold: 3, gracePeriodMs: 0 };

function context(fn: CheckFunction, signal = new AbortController().signal): CheckContext {
  return { root: '/', userspec: null, cgroupProcs: [], env: {}, checkFunction: () => fn, signal, inFlight: { call: null } };
}

describe('a function health check', () => {
  test('that outlives its timeout is told to stop (its signal aborts), and is not called again while it still runs', async () => {
    const signals: AbortSignal[] = [];
    const ctx = context(({ signal }) => {
      signals.push(signal);
      return new Promise<boolean>(() => undefined); // ignores its signal: never settles
    });
    expect(await runCheck(check, ctx)).toEqual({ ok: false, message: 'timed out after 20 ms' });
    expect(signals[0]?.aborted).toBe(true);
    expect(await runCheck(check, ctx)).toEqual({ ok: false, message: 'its call from an earlier attempt is still running after its 20 ms timeout' });
    expect(signals).toHaveLength(1);
  });

  test('that stops when aborted is called again at the next attempt', async () => {
    let calls = 0;
    const ctx = context(({ signal }) => {
      calls += 1;
      return new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(false)));
    });
    await runCheck(check, ctx);
    await runCheck(check, ctx);
    expect(calls).toBe(2);
  });

  test('an attempt under way is aborted when the daemon’s run ends', async () => {
    const run = new AbortController();
    let aborted = false;
    const ctx = context(({ signal }) => new Promise<boolean>((resolve) => signal.addEventListener('abort', () => ((aborted = true), resolve(false)))), run.signal);
    const attempt = runCheck({ ...check, timeoutMs: 60_000 }, ctx);
    await new Promise((resolve) => setImmediate(resolve)); // the function has been called
    run.abort();
    await attempt;
    expect(aborted).toBe(true);
  });

  test('passes on true or { ok: true }, fails with its message otherwise', async () => {
    expect(await runCheck(check, context(() => true))).toEqual({ ok: true });
    expect(await runCheck(check, context(() => ({ ok: false, message: 'no pong' })))).toEqual({ ok: false, message: 'no pong' });
    expect(await runCheck(check, context(() => false))).toEqual({ ok: false, message: 'the check function returned false' });
  });
});

describe.skipIf(process.getuid?.() !== 0)('a command health check (chroot needs root)', () => {
  const command = (argv: string[]): HealthCheckSpec => ({ kind: 'command', command: argv, intervalMs: 10, timeoutMs: 5_000, failureThreshold: 3, gracePeriodMs: 0 });
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

  test('that is not in the image cannot run, and says so; one that exits non-zero just fails', async () => {
    const missing = await runCheck(command(['/no/such/pg_isready']), { ...context(() => true), env });
    expect(missing).toMatchObject({ ok: false, cannotRun: true, message: expect.stringMatching(/^\/no\/such\/pg_isready cannot be executed in the daemon's image \(exit 127\): .*No such file/) as string });
    expect(await runCheck(command(['sh', '-c', 'echo down; exit 1']), { ...context(() => true), env })).toEqual({ ok: false, message: 'sh -c echo down; exit 1 exited 1: down' });
    expect(await runCheck(command(['true']), { ...context(() => true), env })).toEqual({ ok: true });
  });
});
