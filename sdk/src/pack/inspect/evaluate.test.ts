import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { evaluatePackage } from './evaluate.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-evaluate-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const module = (body: string): Buffer =>
  Buffer.from(`${body}
export const manifest = { id: 'x' };
export const main = () => ({ toSpec: () => [{ id: 'web', kind: 'daemon', image: 'main', command: null, user: null, workdir: null, requires: [], mounts: [], env: {} }] });
`);

test('the daemons and manifest of a package module come back from main()', async () => {
  const { manifest, specs } = await evaluatePackage(module(''), 'pkg');
  expect(manifest).toEqual({ id: 'x' });
  expect(specs).toEqual([expect.objectContaining({ id: 'web', image: 'main' })]);
});

test('package code being inspected cannot write a file or start a process', async () => {
  const written = join(dir, 'pwned');
  const error = await evaluatePackage(module(`import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(written)}, 'x');`), 'pkg').catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'PACK_FAILED' });
  expect((error as Error).message).toContain('ERR_ACCESS_DENIED');
  expect(existsSync(written)).toBe(false);
  await expect(evaluatePackage(module(`import { execSync } from 'node:child_process'; execSync('touch ${written}');`), 'pkg')).rejects.toMatchObject({ code: 'PACK_FAILED' });
  expect(existsSync(written)).toBe(false);
});

test('main() returning something else than daemon specs is refused', async () => {
  await expect(evaluatePackage(Buffer.from('export const main = () => ({ toSpec: () => [{ id: 1 }] });'), 'pkg')).rejects.toMatchObject({
    code: 'PACK_FAILED',
    message: 'pkg: main() returned something other than daemon specs',
  });
});
