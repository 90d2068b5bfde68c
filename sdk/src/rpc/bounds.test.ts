import { describe, expect, test } from 'vitest';
import { MAX_ID_LENGTH, MAX_JSON_DEPTH, isValidRequestId, jsonDepthExceeds, preview } from './bounds.js';

const nested = (depth: number, open = '[', close = ']'): Buffer => Buffer.from(`${open.repeat(depth)}${close.repeat(depth)}`);

describe('jsonDepthExceeds', () => {
  test('counts arrays and objects alike, up to the bound inclusive', () => {
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonDepthExceeds(Buffer.from(`${'{"a":'.repeat(65)}1${'}'.repeat(65)}`))).toBe(true);
    expect(jsonDepthExceeds(Buffer.from('{"a":[1,{"b":[]}],"c":{}}'), 4)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('{"a":[1,{"b":[]}],"c":{}}'), 3)).toBe(true);
  });

  test('brackets inside strings, escaped quotes included, do not count', () => {
    expect(jsonDepthExceeds(Buffer.from(`{"a":"${'['.repeat(1000)}"}`))).toBe(false);
    expect(jsonDepthExceeds(Buffer.from(`["\\"${'['.repeat(1000)}"]`))).toBe(false);
    expect(jsonDepthExceeds(Buffer.from(`["\\\\",${'['.repeat(100)}`))).toBe(true);
  });

  test('a depth of 10^5 is refused without recursion', () => {
    expect(jsonDepthExceeds(nested(100_000))).toBe(true);
  });
});

describe('isValidRequestId', () => {
  test('accepts short strings, finite numbers and null only', () => {
    expect(isValidRequestId(1)).toBe(true);
    expect(isValidRequestId('a'.repeat(MAX_ID_LENGTH))).toBe(true);
    expect(isValidRequestId(null)).toBe(true);
    expect(isValidRequestId('a'.repeat(MAX_ID_LENGTH + 1))).toBe(false);
    expect(isValidRequestId(Infinity)).toBe(false);
    expect(isValidRequestId([1])).toBe(false);
    expect(isValidRequestId({ a: 1 })).toBe(false);
    expect(isValidRequestId(true)).toBe(false);
  });
});

describe('preview', () => {
  test('cuts long values and renders any value without throwing', () => {
    expect(preview('x'.repeat(10_000)).length).toBeLessThanOrEqual(101);
    expect(preview({ a: 1 })).toBe('{"a":1}');
    expect(preview(undefined)).toBe('undefined');
    expect(preview(10n)).toBe('bigint');
  });
});
