import { describe, expect, test } from 'vitest';
import { HealthTracker } from './tracker.js';

const timing = { intervalMs: 100, timeoutMs: 50, failureThreshold: 3, gracePeriodMs: 1000 };

describe('health state machine', () => {
  test('starts as starting and turns ready on the first pass', () => {
    const t = new HealthTracker(timing, 0);
    expect(t.state).toBe('starting');
    expect(t.record(false, 'refused', 100)).toBe('starting');
    expect(t.record(true, '', 200)).toBe('ready');
  });

  test('failures inside the grace period do not count', () => {
    const t = new HealthTracker(timing, 0);
    for (const now of [100, 200, 300, 400, 500]) t.record(false, 'refused', now);
    expect(t.state).toBe('starting');
  });

  test('a check that never passes becomes not-ready after the threshold, with its reason', () => {
    const t = new HealthTracker(timing, 0);
    for (const now of [1100, 1200]) expect(t.record(false, 'timed out after 50 ms', now)).toBe('starting');
    expect(t.record(false, 'timed out after 50 ms', 1300)).toBe('not-ready');
    expect(t.message).toBe('timed out after 50 ms (3 failures in a row)');
  });

  test('failures closer together than the interval count once', () => {
    const t = new HealthTracker({ ...timing, gracePeriodMs: 0 }, 0);
    for (const now of [0, 10, 20, 30, 40, 50]) t.record(false, 'refused', now);
    expect(t.state).toBe('starting');
    expect(t.message).toBe('refused (1 failure in a row)');
  });

  test('a ready daemon becomes not-ready only after threshold consecutive failures, and ready again on a pass', () => {
    const t = new HealthTracker({ ...timing, gracePeriodMs: 0 }, 0);
    t.record(true, '', 100);
    t.record(false, 'x', 200);
    t.record(false, 'x', 300);
    expect(t.record(true, '', 400)).toBe('ready');
    t.record(false, 'x', 500);
    t.record(false, 'x', 600);
    expect(t.record(false, 'x', 700)).toBe('not-ready');
    expect(t.record(true, '', 800)).toBe('ready');
  });
});
