import { expect, test } from 'vitest';
import { CleanupStack } from './cleanup.js';

test('steps are released in reverse order; adjacent steps of one group together; a failure is passed on and the rest still run', async () => {
  const events: string[] = [];
  const step = (name: string, fail = false) => async (): Promise<void> => {
    events.push(`begin ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    events.push(`end ${name}`);
    if (fail) throw new Error(`${name} failed`);
  };
  const cleanup = new CleanupStack();
  cleanup.push(step('dirs'));
  cleanup.push(step('image'), 'unmounts');
  cleanup.push(step('scratch', true), 'unmounts');
  cleanup.push(step('container'));
  const errors: unknown[] = [];
  await cleanup.run((e) => errors.push(e));
  expect(events).toEqual(['begin container', 'end container', 'begin scratch', 'begin image', 'end scratch', 'end image', 'begin dirs', 'end dirs']);
  expect(errors.map(String)).toEqual(['Error: scratch failed']);
  // Once: a second run has nothing left to release.
  await cleanup.run((e) => errors.push(e));
  expect(events).toHaveLength(8);
});
