import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TestHearthd } from '../support/hearthd.js';
import { isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';
import { exchange, request } from '../support/rpc.js';

describe.skipIf(skipUnless({ root: isRoot }))('the control API refuses bad input by name and stays up', () => {
  let hearthd: TestHearthd;

  beforeAll(async () => {
    hearthd = await TestHearthd.start(19_950);
  });
  afterAll(async () => {
    await hearthd?.[Symbol.asyncDispose]();
  });

  test.each([
    ['wrong param type', request(1, 'service.start', { id: 42 }), 'INVALID_PARAMS', 'param "id" must be a string, got 42'],
    ['missing param', request(2, 'service.status', {}), 'INVALID_PARAMS', 'missing param "id" (string)'],
    ['unknown param', request(3, 'package.list', { verbose: true }), 'INVALID_PARAMS', 'unknown param "verbose"'],
    ['params not an object', request(4, 'service.stop', ['hello']), 'INVALID_PARAMS', 'params must be an object'],
    ['relative install path', request(5, 'package.install', { path: 'x.hpk' }), 'INVALID_PARAMS', 'must be an absolute path on the host'],
    ['unknown method', request(6, 'package.explode', {}), 'METHOD_NOT_FOUND', 'unknown method "package.explode"'],
    ['not installed', request(7, 'service.start', { id: 'ghost' }), 'PACKAGE_NOT_INSTALLED', 'no package "ghost" is installed'],
  ])('%s', async (_name, payload, code, message) => {
    const [reply] = await exchange(hearthd.socket, payload, 1);
    expect(reply).toMatchObject({ error: { data: { code } } });
    expect((reply as { error: { message: string } }).error.message).toContain(message);
  });

  test('malformed JSON gets a parse error and the same connection keeps working', async () => {
    const replies = await exchange(hearthd.socket, `{"jsonrpc": "2.0", oops\n${request(9, 'package.list')}`, 2);
    expect(replies[0]).toMatchObject({ id: null, error: { code: -32700 } });
    expect(replies[1]).toMatchObject({ id: 9, result: { packages: [] } });
  });

  test('an oversize request is refused and the connection closed', async () => {
    const huge = request(10, 'package.install', { path: `/${'a'.repeat(9 * 1024 * 1024)}` });
    const replies = await exchange(hearthd.socket, huge, 1);
    expect(replies[0]).toMatchObject({ error: { code: -32700 } });
    expect((replies[0] as { error: { message: string } }).error.message).toContain('message larger than');
  });

  test('a flood from 50 concurrent clients is answered in full and hearthd stays up', async () => {
    const perClient = 20;
    const clients = Array.from({ length: 50 }, () => {
      const lines = Array.from({ length: perClient }, (_, i) => (i % 5 === 4 ? request(i, 'no.such') : request(i, 'package.list')));
      return exchange(hearthd.socket, lines.join(''), perClient);
    });
    const results = await Promise.all(clients);
    expect(results.map((r) => r.length)).toEqual(Array.from({ length: 50 }, () => perClient));
    expect(results.flat().filter((r) => (r as { result?: unknown }).result !== undefined)).toHaveLength(50 * 16);
    expect(await hearthd.json('ls')).toEqual([]);
  });

  test('the control socket is root only', async () => {
    const { statSync } = await import('node:fs');
    expect(statSync(hearthd.socket).mode & 0o777).toBe(0o600);
  });
});
