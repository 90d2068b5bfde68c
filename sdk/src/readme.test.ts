import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

const repo = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('sdk/README.md', repo), 'utf8');

test('every snippet in sdk/README.md is the current content of the file it names (files the build compiles)', () => {
  const snippets = [...readme.matchAll(/<!-- snippet: (\S+) -->\n```\w*\n([\s\S]*?)```\n<!-- \/snippet -->/g)];
  expect(snippets.length).toBeGreaterThanOrEqual(3);
  for (const [, path, body] of snippets) expect(body, path).toBe(readFileSync(new URL(path ?? '', repo), 'utf8'));
});

test('sdk/README.md lists every export of @hearth/sdk', () => {
  const index = readFileSync(new URL('sdk/src/index.ts', repo), 'utf8');
  const exported = [...index.matchAll(/export (?:type )?\{([^}]+)\}/g)].flatMap((m) => (m[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  const table = readme.slice(readme.indexOf('<!-- exports:'));
  const missing = exported.filter((name) => !table.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});
