import { describe, expect, test } from 'vitest';
import { MAX_RENDERED_FILE_BYTES, type FileRenderer } from '@hearth/sdk/contract';
import { spec } from '../daemons/fake-deps.js';
import { placementOf, renderFiles } from './render.js';

const file = (path: string) => ({ path, mode: 0o640, owner: null, ref: `web:${path}` });
const web = spec('web', { files: [file('/etc/app.conf'), file('/etc/pg_hba.conf')] });
const config = { settings: { title: 'Notes' }, secrets: { password: 'correct-horse-battery', other: 'unused-secret-value' } };
const render = (fns: Record<string, FileRenderer>) => (ref: string) => fns[ref];

describe('rendering a daemon’s files', () => {
  test('a file that reads a secret goes on the secrets tmpfs, one that does not goes to the writable layer', async () => {
    const files = await renderFiles(web, render({ 'web:/etc/app.conf': ({ settings }) => `title=${String((settings as Record<string, unknown>)['title'])}\n`, 'web:/etc/pg_hba.conf': ({ secrets }) => `password=${secrets['password'] ?? ''}\n` }), config);
    expect(files.map((f) => [f.path, f.content, f.secretsRead, placementOf(f)])).toEqual([
      ['/etc/app.conf', 'title=Notes\n', [], 'layer'],
      ['/etc/pg_hba.conf', 'password=correct-horse-battery\n', ['password'], 'secrets-tmpfs'],
    ]);
  });

  test('spreading or encoding the secrets counts as reading each of them', async () => {
    const [first] = await renderFiles(spec('web', { files: [file('/etc/all.json')] }), render({ 'web:/etc/all.json': ({ secrets }) => JSON.stringify({ ...secrets }) }), config);
    expect(first?.secretsRead).toEqual(['other', 'password']);
  });

  test('a render that throws, returns no string, reads a secret with no value, or is too large fails with the daemon and file named', async () => {
    const one = spec('web', { files: [file('/etc/x')] });
    const cases: [FileRenderer, RegExp][] = [
      [() => { throw new Error('no title'); }, /^daemon web: file \/etc\/x: rendering it failed: no title$/],
      [() => 42 as unknown as string, /^daemon web: file \/etc\/x: its render function returned number/],
      [({ secrets }) => secrets['missing'] ?? '', /^daemon web: file \/etc\/x: it read secret "missing", which has no value/],
      [() => 'x'.repeat(MAX_RENDERED_FILE_BYTES + 1), /^daemon web: file \/etc\/x: it is \d+ bytes/],
    ];
    for (const [fn, message] of cases) await expect(renderFiles(one, render({ 'web:/etc/x': fn }), config)).rejects.toMatchObject({ code: 'DAEMON_FAILED', message: expect.stringMatching(message) as string });
  });

  test('a render that never settles fails after its bound', async () => {
    const one = spec('web', { files: [file('/etc/x')] });
    await expect(renderFiles(one, render({ 'web:/etc/x': () => new Promise<string>(() => undefined) }), config, 50)).rejects.toThrow('daemon web: file /etc/x: rendering it took more than 50 ms');
  });
});
