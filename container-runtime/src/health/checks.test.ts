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
