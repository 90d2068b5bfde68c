import { describe, expect, test } from 'vitest';
import { classifyMessage } from './incoming.js';

describe('classifyMessage', () => {
  test('a request keeps its method, id and params', () => {
    expect(classifyMessage({ jsonrpc: '2.0', id: 'x', method: 'm', params: { a: 1 } })).toEqual({ kind: 'request', method: 'm', id: 'x', params: { a: 1 }, jsonrpc: '2.0' });
  });

  test('an id that could not be echoed safely is refused and answered to id null', () => {
    for (const id of [[[1]], { a: 1 }, 'x'.repeat(300), true]) {
      expect(classifyMessage({ jsonrpc: '2.0', id, method: 'm' })).toMatchObject({ kind: 'invalid', id: null, answer: true });
    }
  });

  test('scalars, non-string methods, a wrong version, unstructured params and objects without a method are invalid requests, answered (to id null without an id)', () => {
    expect(classifyMessage(3)).toMatchObject({ kind: 'invalid', id: null, answer: true });
    expect(classifyMessage({ jsonrpc: '2.0', id: 2, method: ['m'] })).toMatchObject({ kind: 'invalid', id: 2, answer: true });
    expect(classifyMessage({ jsonrpc: '2.0', method: 1, params: 'bar' })).toMatchObject({ kind: 'invalid', id: null, answer: true });
    expect(classifyMessage({ foo: 'boo' })).toMatchObject({ kind: 'invalid', id: null, answer: true });
    expect(classifyMessage({ jsonrpc: '2.0', id: 4 })).toMatchObject({ kind: 'invalid', id: 4, answer: true });
    expect(classifyMessage({ jsonrpc: '1.0', id: 5, method: 'm' })).toMatchObject({ kind: 'invalid', id: 5, answer: true });
    expect(classifyMessage({ jsonrpc: '2.0', id: 6, method: 'm', params: 'bar' })).toMatchObject({ kind: 'invalid', id: 6, answer: true });
  });

  test('a malformed response becomes an INTERNAL error for the waiting request', () => {
    expect(classifyMessage({ id: 4, error: 'boom' })).toMatchObject({ kind: 'response', response: { id: 4, error: { code: -32000 } } });
    expect(classifyMessage({ id: 4, error: { code: 1, message: {} } })).toMatchObject({ kind: 'response', response: { error: { code: -32000 } } });
    expect(classifyMessage({ id: 4, result: null })).toEqual({ kind: 'response', response: { jsonrpc: '2.0', id: 4, result: null } });
  });

  test('a response to an id we never use is reported, not answered', () => {
    expect(classifyMessage({ id: 'abc', result: 1 })).toMatchObject({ kind: 'invalid', answer: false });
  });
});
