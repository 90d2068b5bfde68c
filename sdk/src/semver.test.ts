import { expect, test } from 'vitest';
import { compareVersions, isValidRange, satisfies } from './semver.js';

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

test.each([
  // ^0.x is as narrow as npm makes it.
  ['0.0.4', '^0.0.3', false],
  ['0.0.3', '^0.0.3', true],
  ['0.2.0', '^0.1', false],
  ['0.1.9', '^0.1', true],
  // A pre-release satisfies only a range that names a pre-release of the same version.
  ['2.0.0-beta.1', '^1.0.0', false],
  ['2.0.0-beta.1', '>=1.0.0', false],
  ['2.0.0-beta.2', '^2.0.0-beta.1', true],
  ['2.0.1-beta.1', '^2.0.0-beta.1', false],
  ['2.0.0', '^2.0.0-beta.1', true],
  // Hyphen ranges and build metadata, as npm reads them.
  ['1.5.0', '1.2.3 - 2.0.0', true],
  ['2.0.1', '1.2.3 - 2.0.0', false],
  ['1.2.3+build.7', '1.2.3', true],
  // Nothing satisfies a range that is not one, and a non-version satisfies nothing.
  ['1.0.0', 'latest', false],
  ['latest', '*', false],
])('npm semantics: %s satisfies %s: %s', (version, range, expected) => {
  expect(satisfies(version, range)).toBe(expected);
});

test('pre-releases order by their identifiers numerically, as npm orders them', () => {
  expect(compareVersions('1.0.0-beta.10', '1.0.0-beta.9')).toBeGreaterThan(0);
  expect(compareVersions('1.0.0-alpha', '1.0.0-alpha.1')).toBeLessThan(0);
});

test('isValidRange accepts what npm accepts and nothing else', () => {
  expect(['^1.2.0', '~1.2', '>=1 <2', '1.x', '*', '1.2.3 - 2.0.0', '^1 || ^2'].every(isValidRange)).toBe(true);
  expect(['latest', 'one', '>=>1'].some(isValidRange)).toBe(false);
});
