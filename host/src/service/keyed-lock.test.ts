import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { KeyedLock } from './keyed-lock.js';

test('operations on one service run one at a time, in arrival order, never interleaved', async () => {
  const lock = new KeyedLock();
  const events: string[] = [];
  const op = (name: string, ms: number) =>
    lock.run('svc', name, async () => {
      events.push(`${name} begin`);
      await sleep(ms);
      events.push(`${name} end`);
    });
  await Promise.all([op('start', 20), op('stop', 5), op('uninstall', 1)]);
  expect(events).toEqual(['start begin', 'start end', 'stop begin', 'stop end', 'uninstall begin', 'uninstall end']);
});

test('operations on different services run side by side', async () => {
  const lock = new KeyedLock();
  const events: string[] = [];
  await Promise.all(
    ['a', 'b'].map((key) =>
      lock.run(key, 'start', async () => {
        events.push(`${key} begin`);
        await sleep(10);
        events.push(`${key} end`);
      }),
    ),
  );
  expect(events.slice(0, 2).sort()).toEqual(['a begin', 'b begin']);
});

test('a failed operation releases the service for the next one', async () => {
  const lock = new KeyedLock();
  await expect(lock.run('svc', 'start', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(await lock.run('svc', 'stop', () => Promise.resolve('ran'))).toBe('ran');
});

test('a call that waits too long gives up with SERVICE_BUSY naming the holder', async () => {
  const lock = new KeyedLock(20);
  const slow = lock.run('svc', 'start', () => sleep(100));
  await expect(lock.run('svc', 'stop', () => Promise.resolve())).rejects.toMatchObject({ code: 'SERVICE_BUSY', details: { operation: 'start' } });
  await slow;
});

test('a waiter that gives up leaves the holder named for the waiters after it', async () => {
  const lock = new KeyedLock(20);
  const slow = lock.run('svc', 'start', () => sleep(150));
  const first = lock.run('svc', 'stop', () => Promise.resolve());
  await expect(first).rejects.toMatchObject({ code: 'SERVICE_BUSY' });
  // Queued after the first waiter gave up: the holder is still `start`.
  await expect(lock.run('svc', 'uninstall', () => Promise.resolve())).rejects.toMatchObject({ code: 'SERVICE_BUSY', details: { operation: 'start' } });
  await slow;
});

test('a call queued after a waiter gave up still waits for the holder', async () => {
  const lock = new KeyedLock(30);
  const events: string[] = [];
  let finish!: () => void;
  const holding = lock.run('svc', 'start', async () => {
    events.push('start begin');
    await new Promise<void>((resolve) => (finish = resolve));
    events.push('start end');
  });
  await expect(lock.run('svc', 'stop', () => Promise.resolve())).rejects.toMatchObject({ code: 'SERVICE_BUSY' });
  const next = lock.run('svc', 'status', () => Promise.resolve(events.push('status')));
  await sleep(5);
  finish();
  await Promise.all([holding, next]);
  expect(events).toEqual(['start begin', 'start end', 'status']);
});
