import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import { HearthError, isHearthError } from './errors.js';
import { toErrorResponse } from './rpc/dispatcher.js';

/** Another copy of the SDK's HearthError, as a package's bundle has: same shape, another class. */
function foreignError(code: string, message: string, hint?: string): unknown {
  class OtherHearthError extends Error {
    override readonly name = 'HearthError';
    constructor(
      readonly code: string,
      message: string,
      readonly hint?: string,
      readonly details: Record<string, unknown> = {},
    ) {
      super(message);
    }
  }
  Object.defineProperty(OtherHearthError.prototype, Symbol.for('hearth.error'), { value: true });
  return new OtherHearthError(code, message, hint);
}

describe('errors of another copy of the SDK (a package bundles its own)', () => {
  test('are recognised by their brand, keep their code, hint and message, and become this realm’s class', () => {
    const error = foreignError('ACTION_FAILED', 'the backup target is full', 'free some space');
    expect(error instanceof HearthError).toBe(true);
    expect(isHearthError(error, 'ACTION_FAILED')).toBe(true);
    const local = HearthError.from(error);
    expect(Object.getPrototypeOf(local)).toBe(HearthError.prototype);
    expect(local).toMatchObject({ code: 'ACTION_FAILED', message: 'the backup target is full', hint: 'free some space' });
  });

  test('reach an RPC caller with their own code, not INTERNAL', () => {
    const response = toErrorResponse(1, foreignError('DAEMON_FAILED', 'no'));
    expect(response.error).toMatchObject({ code: -32052, message: 'no', data: { code: 'DAEMON_FAILED' } });
  });

  test('an error from another V8 realm (vm context) is recognised too', () => {
    const error: unknown = runInNewContext(`const e = new Error('x'); e.code = 'TIMEOUT'; Object.defineProperty(e, Symbol.for('hearth.error'), { value: true }); e`);
    expect(isHearthError(error, 'TIMEOUT')).toBe(true);
  });

  test('a brand with an unknown code, a plain Error with a code, or a throwing getter is not a HearthError', () => {
    expect(isHearthError(foreignError('NOT_A_CODE', 'x'))).toBe(false);
    expect(isHearthError(Object.assign(new Error('x'), { code: 'TIMEOUT' }))).toBe(false);
    const hostile = new Proxy({}, { get: () => { throw new Error('boom'); } });
    expect(isHearthError(hostile)).toBe(false);
    expect(HearthError.from(hostile).code).toBe('INTERNAL');
  });

  test('this realm’s errors are returned as they are', () => {
    const error = new HearthError('TIMEOUT', 'late');
    expect(HearthError.from(error)).toBe(error);
    expect(error instanceof HearthError).toBe(true);
  });
});
