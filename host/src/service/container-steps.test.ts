import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { CleanupStack } from './cleanup.js';
import { startContainer, watchExit, type ContainerOps } from './container-steps.js';

const TARGET = { lxcPath: '/nowhere', name: 'hearth-x' };

test('a container that lxc-start left running when it failed late is stopped by the undo', async () => {
  let running = false;
  const ops: ContainerOps = {
    start: () => {
      running = true; // came up, then lxc-start timed out
      return Promise.reject(new Error('lxc-start timed out'));
    },
    stop: () => {
      running = false;
      return Promise.resolve();
    },
  };
  const cleanup = new CleanupStack();
  await expect(startContainer(cleanup, TARGET, '/nowhere.conf', () => true, ops)).rejects.toThrow('timed out');
  await cleanup.run(() => undefined);
  expect(running).toBe(false);
});

test('a probe that fails while watching the container is reported, not left unhandled', async () => {
  const errors: unknown[] = [];
  const stop = watchExit(() => Promise.reject(new Error('lxc-info could not run')), () => undefined, (e) => errors.push(e), 5);
  await sleep(30);
  stop();
  expect(errors.length).toBeGreaterThan(0);
});

test('the exit is reported once, and a failing report is passed on too', async () => {
  let exits = 0;
  const errors: unknown[] = [];
  const stop = watchExit(() => Promise.resolve(false), () => {
    exits += 1;
    throw new Error('could not read runtime.log');
  }, (e) => errors.push(e), 5);
  await sleep(40);
  stop();
  expect(exits).toBe(1);
  expect(errors).toHaveLength(1);
});
