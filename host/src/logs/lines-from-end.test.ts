import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { linesFromEnd } from './lines-from-end.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-lines-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function collect(content: string, maxLineBytes = 1000, chunkBytes = 4): Promise<string[]> {
  const path = join(dir, 'f');
  writeFileSync(path, content);
  const out: string[] = [];
  for await (const line of linesFromEnd(path, maxLineBytes, chunkBytes)) out.push(line.toString());
  return out;
}

test('lines come last first, whole, whatever the chunk boundaries', async () => {
  const content = 'alpha\nbe\n\ngamma-delta-epsilon\nz\n';
  for (const chunk of [1, 2, 3, 4, 7, 64]) {
    expect(await collect(content, 1000, chunk)).toEqual(['z', 'gamma-delta-epsilon', 'be', 'alpha']);
  }
});

test('a last line without a newline and a first line are both returned', async () => {
  expect(await collect('one\ntwo')).toEqual(['two', 'one']);
  expect(await collect('only')).toEqual(['only']);
  expect(await collect('')).toEqual([]);
});

test('a line longer than the bound is skipped whole, its neighbours kept', async () => {
  for (const chunk of [1, 3, 5, 64]) {
    expect(await collect(`a\n${'x'.repeat(50)}\nb\n${'y'.repeat(11)}\nc\n`, 10, chunk)).toEqual(['c', 'b', 'a']);
  }
  expect(await collect(`${'x'.repeat(50)}\nb\n`, 10)).toEqual(['b']);
});

test('a missing file has no lines', async () => {
  const out: Buffer[] = [];
  for await (const line of linesFromEnd(join(dir, 'missing'), 10)) out.push(line);
  expect(out).toEqual([]);
});
