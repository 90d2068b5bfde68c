import { expect, test } from 'vitest';
import { compareVersions, satisfies } from './semver.js';

test('versions compare numerically, releases above their pre-releases', () => {
  expect(compareVersions('1.10.0', '1.9.9')).toBeGreaterThan(0);
  expect(compareVersions('1.0.0-beta.1', '1.0.0')).toBeLessThan(0);
  expect(compareVersions('2.0.0', '2.0.0')).toBe(0);
});

test.each([
  ['16.2.0', '^16.0.0', true],
  ['17.0.0', '^16.0.0', false],
  ['0.2.5', '^0.2.1', true],
  ['0.3.0', '^0.2.1', false],
  ['1.2.9', '~1.2.0', true],
  ['1.3.0', '~1.2.0', false],
  ['1.5.0', '>=1.0.0 <2.0.0', true],
  ['2.0.0', '>=1.0.0 <2.0.0', false],
  ['3.1.0', '^1.0.0 || ^3.0.0', true],
  ['16.4.1', '16', true],
  ['16.4.1', '16.x', true],
  ['15.0.0', '16', false],
  ['9.9.9', '*', true],
  ['1.2.3', '1.2.3', true],
])('%s satisfies %s: %s', (version, range, expected) => {
  expect(satisfies(version, range)).toBe(expected);
});
