import { describe, expect, test } from 'vitest';
import { HearthError } from '@hearth/sdk/contract';
import { parseParams, serviceId } from './params.js';

const schema = { id: serviceId, purge: { kind: 'boolean', optional: true } } as const;

function codeAndMessage(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof HearthError) return { code: error.code, message: error.message };
  }
  throw new Error('expected a HearthError');
}

describe('parseParams', () => {
  test('accepts valid params and leaves optional ones out', () => {
    expect(parseParams('package.uninstall', { id: 'hello-world' }, schema)).toEqual({ id: 'hello-world' });
  });

  test('names a missing param and its type', () => {
    expect(codeAndMessage(() => parseParams('package.uninstall', {}, schema))).toEqual({
      code: 'INVALID_PARAMS',
      message: 'package.uninstall: missing param "id" (string)',
    });
  });

  test('names a param of the wrong type with the value given', () => {
    expect(codeAndMessage(() => parseParams('package.uninstall', { id: 'a', purge: 'yes' }, schema)).message).toBe(
      'package.uninstall: param "purge" must be a boolean, got "yes"',
    );
  });

  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('refuses %s as an unknown param, though Object.prototype has it', (key) => {
    const params = JSON.parse(`{"id": "demo", "${key}": 1}`) as unknown;
    expect(codeAndMessage(() => parseParams('package.uninstall', params, schema))).toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining(`unknown param "${key}"`) as string });
  });

  test('an optional param named like a prototype key that is left out is left out, not read from Object.prototype', () => {
    const protoSchema = { id: serviceId, constructor: { kind: 'string', optional: true } } as const;
    expect(parseParams('x', { id: 'demo' }, protoSchema)).toEqual({ id: 'demo' });
  });

  test('refuses unknown params and non-object params', () => {
    expect(codeAndMessage(() => parseParams('package.uninstall', { id: 'a', force: true }, schema)).message).toContain('unknown param "force"');
    expect(codeAndMessage(() => parseParams('package.uninstall', ['a'], schema)).message).toContain('params must be an object');
  });

  test('refuses a service id that could escape the data dir', () => {
    expect(codeAndMessage(() => parseParams('service.start', { id: '../etc' }, schema)).message).toContain('expected a package id');
  });

  test('a long or nested value is quoted cut short, never echoed whole', () => {
    const error = codeAndMessage(() => parseParams('package.uninstall', { id: 'a', purge: 'x'.repeat(100_000) }, schema));
    expect(error.message.length).toBeLessThan(200);
    expect(codeAndMessage(() => parseParams('package.uninstall', { id: 'a', ['k'.repeat(100_000)]: 1 }, schema)).message.length).toBeLessThan(300);
  });

  test('prototype keys are unknown params like any other', () => {
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(codeAndMessage(() => parseParams('package.uninstall', JSON.parse(`{"id":"a","${key}":1}`), schema)).message).toContain(`unknown param "${key}"`);
    }
  });
});
