import { describe, expect, test } from 'vitest';
import type { HealthCheckSpec } from '@hearth/sdk/contract';
import { createLogger } from '@hearth/sdk/system';
import type { CheckContext } from '../health/checks.js';
import { HealthLoop, readinessUpdate } from './health-loop.js';

const check: HealthCheckSpec = { kind: 'tcp', port: 1, intervalMs: 5, timeoutMs: 5, failureThreshold: 2, gracePeriodMs: 0 };
const where = { root: '/', userspec: null, env: {}, cgroupProcs: [] };

describe('a health loop', () => {
  test('checks until stopped; stopping aborts the attempt under way and ignores its result', async () => {
    const signals: AbortSignal[] = [];
    const results: string[] = [];
    let release!: () => void;
    let time = 0;
    const loop = new HealthLoop({
      now: () => (time += 100), // each attempt an interval apart: every failure counts
      check,
      role: 'ready',
      where,
      checkFunction: () => undefined,
      logger: createLogger({}, () => true),
      onResult: (health) => results.push(health),
      run: (_check, ctx: CheckContext) => {
        signals.push(ctx.signal);
        // The third attempt hangs until the test lets it go.
        return signals.length < 3 ? Promise.resolve({ ok: false, message: 'refused' }) : new Promise((resolve) => (release = () => resolve({ ok: true })));
      },
    }).start();
    await expect.poll(() => signals.length).toBe(3);
    loop.stop();
    expect(signals[2]?.aborted).toBe(true);
    release();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(results).toEqual(['starting', 'not-ready']);
    expect(signals).toHaveLength(3);
  });

  test('readiness moves the state only when it changes, and says why while starting', () => {
    expect(readinessUpdate('ready', true, '', 'starting')).toEqual({ state: 'ready' });
    expect(readinessUpdate('ready', true, '', 'ready')).toBeNull();
    expect(readinessUpdate('not-ready', false, 'refused (3 failures in a row)', 'ready')).toEqual({ state: 'not-ready', message: 'refused (3 failures in a row)' });
    expect(readinessUpdate('starting', false, 'refused', 'starting')).toEqual({ state: 'starting', message: 'readiness: refused' });
  });
});
