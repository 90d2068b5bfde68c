import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { mapBounded } from './parallel.js';

test('runs at most `limit` at once and keeps the order of the items', async () => {
  let running = 0;
  let most = 0;
  const out = await mapBounded([30, 10, 20, 5, 15], 2, async (ms) => {
    running += 1;
    most = Math.max(most, running);
    await sleep(ms);
    running -= 1;
    return ms * 2;
  });
  expect(out).toEqual([60, 20, 40, 10, 30]);
  expect(most).toBe(2);
});

test('a failure starts nothing new and is thrown after the running calls settle', async () => {
  const started: number[] = [];
  let settled = 0;
  const run = mapBounded([1, 2, 3, 4], 2, async (n) => {
    started.push(n);
    await sleep(n === 1 ? 5 : 20);
    settled += 1;
    if (n === 1) throw new Error('one failed');
    return n;
  });
  await expect(run).rejects.toThrow('one failed');
  expect(started).toEqual([1, 2]);
  expect(settled).toBe(2);
});
