import { expect, test } from 'vitest';
import { HearthError } from './errors.js';
import { Redactor } from './redact.js';

const r = Redactor.of({ 'db-password': 'hunter2hunter2', token: 'tok-123456789' });

test('every occurrence of each secret value is replaced by its name', () => {
  expect(r.text('FATAL: password hunter2hunter2 for user postgres (again: hunter2hunter2)')).toBe(
    'FATAL: password [secret:db-password] for user postgres (again: [secret:db-password])',
  );
  expect(r.text('nothing to hide here')).toBe('nothing to hide here');
});

test('a value that contains another is replaced whole, not in pieces', () => {
  const nested = Redactor.of({ short: 'abcdefgh', long: 'xxabcdefghxx' });
  expect(nested.text('xxabcdefghxx and abcdefgh')).toBe('[secret:long] and [secret:short]');
});

test('values shorter than the minimum length are never used to redact (ordinary words stay readable)', () => {
  expect(Redactor.of({ weak: 'the' }).text('the end')).toBe('the end');
});

test('action data is redacted in strings and keys at any depth; other values pass as they are', () => {
  const data = { rows: [{ password: 'hunter2hunter2', n: 3, ok: true }], 'tok-123456789': null };
  expect(JSON.parse(JSON.stringify(r.value(data)))).toEqual({ rows: [{ password: '[secret:db-password]', n: 3, ok: true }], '[secret:token]': null });
});

test('an error from the runtime keeps its code, with message, hint and details redacted and no cause', () => {
  const error = new HearthError('DAEMON_FAILED', 'db said hunter2hunter2', { hint: 'try tok-123456789', details: { lastLines: ['pw=hunter2hunter2'] }, cause: new Error('hunter2hunter2') });
  const out = r.error(error) as HearthError;
  expect(out).toBeInstanceOf(HearthError);
  expect(out.code).toBe('DAEMON_FAILED');
  expect(JSON.stringify({ m: out.message, h: out.hint, d: out.details })).not.toMatch(/hunter2|tok-1/);
  expect(out.cause).toBeUndefined();
  expect((r.error(new Error('x hunter2hunter2')) as HearthError).message).toBe('x [secret:db-password]');
});

test('a rotated value stays redacted along with the new one', () => {
  const rotated = r.with({ 'db-password': 'newvalue-999999' });
  expect(rotated.text('old hunter2hunter2 new newvalue-999999')).toBe('old [secret:db-password] new [secret:db-password]');
});
