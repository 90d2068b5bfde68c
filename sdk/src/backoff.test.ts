import { describe, expect, test } from 'vitest';
import { DEFAULT_RESTART } from './daemons.js';
import { Backoff } from './backoff.js';

const always = { mode: 'always' as const, ...DEFAULT_RESTART };

describe('restart backoff', () => {
  test('the delay doubles from 1 s and is capped at 30 s', () => {
    const b = new Backoff({ ...always, maxCrashes: 100 });
    const delays: number[] = [];
    let t = 0;
    for (let i = 0; i < 7; i += 1) {
      const d = b.onExit(t, t + 10, true);
      if (d.restart) delays.push(d.delayMs);
      t += 20;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  test('the fifth crash within the window is a crash loop', () => {
    const b = new Backoff(always);
    const decisions = [0, 1, 2, 3, 4].map((i) => b.onExit(i * 100, i * 100 + 50, true));
    expect(decisions.slice(0, 4).every((d) => d.restart)).toBe(true);
    expect(decisions[4]).toEqual({ restart: false, reason: 'crash-loop', crashes: 5 });
  });

  test('a run longer than resetAfterMs forgives the earlier crashes', () => {
    const b = new Backoff(always);
    for (let i = 0; i < 4; i += 1) b.onExit(i * 100, i * 100 + 50, true);
    expect(b.onExit(1000, 1000 + 60_000, true)).toEqual({ restart: true, delayMs: 1000, crashes: 1 });
  });

  test('crashes older than the window do not count', () => {
    const b = new Backoff(always);
    for (let i = 0; i < 4; i += 1) b.onExit(i * 100, i * 100 + 50, true);
    expect(b.onExit(400_000, 400_010, true)).toMatchObject({ restart: true, crashes: 1 });
  });

  test('on-failure restarts a failure but not a clean exit; never restarts nothing', () => {
    expect(new Backoff({ ...always, mode: 'on-failure' }).onExit(0, 10, false)).toMatchObject({ restart: false, reason: 'not-restarted' });
    expect(new Backoff({ ...always, mode: 'on-failure' }).onExit(0, 10, true)).toMatchObject({ restart: true });
    expect(new Backoff({ ...always, mode: 'never' }).onExit(0, 10, true)).toMatchObject({ restart: false, reason: 'not-restarted' });
  });
});
