import { describe, expect, test } from 'vitest';
import { nextCronTime, parseCron } from './cron.js';

/** Local-time instants, as cron reads them. */
const at = (y: number, mo: number, d: number, h = 0, mi = 0): number => new Date(y, mo - 1, d, h, mi).getTime();
const next = (expression: string, after: number): number | null => nextCronTime(parseCron(expression), after);

describe('cron expressions for backup schedules', () => {
  test('the next run is the first matching whole minute strictly after the instant', () => {
    expect(next('30 3 * * *', at(2026, 12, 2, 1, 0))).toBe(at(2026, 12, 2, 3, 30));
    expect(next('30 3 * * *', at(2026, 12, 2, 3, 30))).toBe(at(2026, 12, 3, 3, 30));
    expect(next('* * * * *', at(2026, 12, 2, 3, 30) + 12_345)).toBe(at(2026, 12, 2, 3, 31));
  });

  test('steps, ranges, lists and names', () => {
    expect(next('*/15 * * * *', at(2026, 1, 1, 10, 16))).toBe(at(2026, 1, 1, 10, 30));
    expect(next('0 9-17/4 * * *', at(2026, 1, 1, 10, 0))).toBe(at(2026, 1, 1, 13, 0));
    expect(next('0 0 1,15 * *', at(2026, 1, 2))).toBe(at(2026, 1, 15));
    expect(next('0 4 * jun mon', at(2026, 1, 1))).toBe(at(2026, 6, 1, 4, 0)); // 1 June 2026 is a Monday
    expect(next('0 0 * * 7', at(2026, 12, 2))).toBe(at(2026, 12, 6)); // 7 is Sunday, as 0
    expect(next('5/20 * * * *', at(2026, 1, 1, 0, 6))).toBe(at(2026, 1, 1, 0, 25));
  });

  test('both day fields restricted: a day matching either runs (Vixie cron); one of them *: both must', () => {
    // 13th of the month or any Friday: after Wed 2 Dec 2026, Fri 4 Dec comes first.
    expect(next('0 0 13 * fri', at(2026, 12, 2))).toBe(at(2026, 12, 4));
    expect(next('0 0 * * fri', at(2026, 12, 2))).toBe(at(2026, 12, 4));
    expect(next('0 0 13 * *', at(2026, 12, 2))).toBe(at(2026, 12, 13));
  });

  test('a leap day is found years ahead; a date that never exists is refused', () => {
    expect(next('0 0 29 2 *', at(2026, 3, 1))).toBe(at(2028, 2, 29));
    expect(() => parseCron('0 0 30 2 *')).toThrow(/never matches/);
  });

  test.each([
    ['0 3 * *', /4 fields, expected 5/],
    ['60 * * * *', /minute: 60 is outside 0-59/],
    ['0 0 * * 8', /day of week: 8 is outside 0-7/],
    ['0 0 * foo *', /month: "foo" is not a number or a name/],
    ['*/0 * * * *', /bad step/],
    ['0 5-2 * * *', /runs backwards/],
    ['1/2/3 * * * *', /two steps/],
    [`${'1,'.repeat(150)}1 * * * *`, /longer than 200/],
  ])('%j is refused with the field and why', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(message);
  });
});
