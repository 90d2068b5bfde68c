import { expect, test } from 'vitest';
import { parseSince } from './since.js';

const now = Date.parse('2026-11-25T12:00:00Z');

test('--since takes durations back from now', () => {
  expect(parseSince('30s', now)).toBe(now - 30_000);
  expect(parseSince('10m', now)).toBe(now - 600_000);
  expect(parseSince('2h', now)).toBe(now - 7_200_000);
  expect(parseSince('1d', now)).toBe(now - 86_400_000);
});

test('--since takes dates', () => {
  expect(parseSince('2026-11-25T10:00:00Z', now)).toBe(Date.parse('2026-11-25T10:00:00Z'));
});

test('--since refuses anything else by name', () => {
  expect(() => parseSince('yesterday', now)).toThrow('--since "yesterday" is neither a duration nor a date');
});
