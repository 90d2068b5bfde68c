import { describe, expect, test } from 'vitest';
import { dict, ownValue, parseJsonDict } from './dict.js';

const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

describe('records keyed by untrusted ids', () => {
  test.each(PROTOTYPE_KEYS)('a dict has no %s until it is set, and then holds it as an ordinary value', (key) => {
    const record = dict<number>();
    expect(record[key]).toBeUndefined();
    expect(key in record).toBe(false);
    record[key] = 7;
    expect(record[key]).toBe(7);
    expect(Object.keys(record)).toEqual([key]);
    expect(Object.getPrototypeOf(record)).toBeNull();
  });

  test.each(PROTOTYPE_KEYS)('ownValue of a plain object does not answer the inherited %s', (key) => {
    expect(ownValue<unknown>({ a: 1 }, key)).toBeUndefined();
    expect(ownValue(JSON.parse(`{"${key}": 3}`) as Record<string, unknown>, key)).toBe(3);
  });

  test('parseJsonDict keeps "__proto__" as a key at every depth and round-trips through JSON.stringify', () => {
    const text = '{"services":{"__proto__":{"ports":{"constructor":1}},"constructor":{"ports":{}}},"list":[{"toString":2}]}';
    const parsed = parseJsonDict(text) as { services: Record<string, { ports: Record<string, number> }>; list: Record<string, number>[] };
    expect(Object.keys(parsed.services)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(parsed.services)).toBeNull();
    expect(parsed.services['__proto__']?.ports['constructor']).toBe(1);
    expect(Object.getPrototypeOf(parsed.services['constructor']?.ports)).toBeNull();
    expect(Array.isArray(parsed.list)).toBe(true);
    expect(JSON.stringify(parsed)).toBe(text);
  });
});
