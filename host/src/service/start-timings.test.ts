import { describe, expect, it } from 'vitest';
import { StartTimings } from './start-timings.js';

describe('StartTimings', () => {
  it('gives each step the time since the previous one ended, and ready only once', () => {
    let t = 100;
    const timings = new StartTimings(() => t);
    t = 130;
    timings.mark('dirs');
    t = 180.4;
    timings.mark('images');
    t = 200;
    timings.markReady();
    t = 900;
    timings.markReady();
    expect(timings.snapshot()).toEqual({ dirs: 30, images: 50, ready: 20 });
    expect(timings.ready).toBe(true);
  });
});
