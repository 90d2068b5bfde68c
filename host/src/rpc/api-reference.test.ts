import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { HOST_METHODS } from '@hearth/sdk/contract';

test('host/README.md documents exactly the methods hearthd serves', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('<!-- method-table'));
  const documented = [...table.matchAll(/^\| `([a-z]+\.[a-zA-Z]+)` \|/gm)].map((m) => m[1]);
  expect(documented.sort()).toEqual([...HOST_METHODS].sort());
});
