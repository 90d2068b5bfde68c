import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import { installProcessPolicy } from './process-policy.js';

function setup(): { proc: EventEmitter; logged: [string, Record<string, unknown> | undefined][]; exits: number[] } {
  const proc = new EventEmitter();
  const logged: [string, Record<string, unknown> | undefined][] = [];
  const exits: number[] = [];
  installProcessPolicy({ error: (m, c) => logged.push([m, c]) }, (code) => exits.push(code), proc);
  return { proc, logged, exits };
}

test('an unhandled rejection is logged with its reason and the process stays up', () => {
  const { proc, logged, exits } = setup();
  proc.emit('unhandledRejection', new Error('lost promise'));
  expect(logged[0]?.[0]).toContain('unhandled promise rejection');
  expect(logged[0]?.[1]).toMatchObject({ error: 'lost promise' });
  expect(exits).toEqual([]);
});

test('an uncaught exception is logged, then the process exits 1', () => {
  const { proc, logged, exits } = setup();
  proc.emit('uncaughtException', new TypeError('boom'));
  expect(logged[0]?.[1]).toMatchObject({ error: 'boom' });
  expect(exits).toEqual([1]);
});

test('a thrown value without a usable toString is still logged', () => {
  const { proc, logged } = setup();
  proc.emit('unhandledRejection', Object.create(null));
  expect(logged[0]?.[1]).toMatchObject({ error: 'a thrown object without a message' });
});
