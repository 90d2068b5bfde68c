import { describe, expect, test } from 'vitest';
import { waves } from './graph.js';

const d = (id: string, ...requires: string[]) => ({ id, requires });

describe('daemon graph waves', () => {
  test('independent daemons start together; dependents start in later waves', () => {
    expect(waves([d('db'), d('cache'), d('app', 'db', 'cache'), d('proxy', 'app')])).toEqual([['db', 'cache'], ['app'], ['proxy']]);
  });

  test('a daemon waits for its deepest dependency', () => {
    expect(waves([d('a'), d('b', 'a'), d('c', 'a', 'b')])).toEqual([['a'], ['b'], ['c']]);
  });

  test('a requires naming an unknown daemon is an error naming both', () => {
    expect(() => waves([d('app', 'db')])).toThrow('daemon app requires "db", which is not a daemon of this package');
  });

  test('a cycle is an error that names the cycle', () => {
    expect(() => waves([d('a', 'c'), d('b', 'a'), d('c', 'b')])).toThrow('daemons require each other in a cycle: a → c → b → a');
  });

  test('a daemon id declared twice is an error', () => {
    expect(() => waves([d('a'), d('a')])).toThrow('daemon id "a" is declared twice');
  });
});
