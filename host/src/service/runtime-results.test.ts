import { describe, expect, test } from 'vitest';
import { HearthError } from '@hearth/sdk/contract';
import { checkRuntimeResult } from './runtime-results.js';

const refused = (fn: () => unknown): HearthError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof HearthError) return error;
  }
  throw new Error('expected a HearthError');
};

describe('checking what the runtime answers', () => {
  test('well-formed results pass, rebuilt from their known fields', () => {
    expect(checkRuntimeResult('runtime.start', { daemons: [{ id: 'web', state: 'starting', since: 1, x: 1 }] })).toEqual({ daemons: [{ id: 'web', state: 'starting', since: 1 }] });
    expect(checkRuntimeResult('runtime.exec', { exitCode: null, signal: 'SIGKILL', timedOut: true })).toEqual({ exitCode: null, signal: 'SIGKILL', timedOut: true });
    expect(checkRuntimeResult('runtime.putFile', { size: 3 })).toEqual({ size: 3 });
    expect(checkRuntimeResult('runtime.runAction', { message: 'ok', data: { n: 1 } })).toEqual({ message: 'ok', data: { n: 1 } });
    expect(checkRuntimeResult('runtime.listActions', { actions: [{ id: 'a', name: 'A', description: 'd', input: { n: { type: 'number', default: 2, min: 1, integer: true, x: 1 } } }] })).toEqual({
      actions: [{ id: 'a', name: 'A', description: 'd', input: { n: { type: 'number', default: 2, min: 1, integer: true } } }],
    });
  });

  test('a result of the wrong shape is CONTAINER_FAILED naming the method, without echoing the value', () => {
    const cases: [Parameters<typeof checkRuntimeResult>[0], unknown][] = [
      ['runtime.start', undefined],
      ['runtime.start', { daemons: 'all' }],
      ['runtime.status', { daemons: [{ id: 'web', state: 'ready', since: 1 }, null] }],
      ['runtime.stop', { daemons: Array.from({ length: 2000 }, () => ({ id: 'w', state: 'ready', since: 1 })) }],
      ['runtime.stats', { daemons: [{ id: 'web', memoryBytes: 'lots', pids: 1, cpuSeconds: 1 }] }],
      ['runtime.exec', { exitCode: '0', signal: null, timedOut: false }],
      ['runtime.fetchFile', { contentBase64: 'a'.repeat(10 * 1024 * 1024), size: 1 }],
      ['runtime.listActions', { actions: [{ id: 'a', name: 'A', description: 'd', input: { n: { type: 'date' } } }] }],
      ['runtime.listActions', { actions: [{ id: 'a', name: 'A', description: 'd', input: { n: { type: 'number', max: 'ten' } } }] }],
      ['runtime.listActions', { actions: [{ id: 'a', name: 'A', description: 'd', input: { n: { type: 'number', integer: 1 } } }] }],
      ['runtime.runAction', { message: ['x'.repeat(1000)] }],
    ];
    for (const [method, value] of cases) {
      const error = refused(() => checkRuntimeResult(method, value));
      expect(error.code).toBe('CONTAINER_FAILED');
      expect(error.message).toContain(method);
      expect(error.message.length).toBeLessThan(120);
    }
  });
});
