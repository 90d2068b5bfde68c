import { expect, test } from 'vitest';
import { SECRET_ALPHABETS } from '@hearth/sdk/contract';
import { declaredValues, missingUserSecrets, reconcileSecrets } from './reconcile.js';
import { generateSecret } from './generate.js';

const now = '2026-01-01T00:00:00.000Z';
const manifest = {
  secrets: {
    'db-password': { description: 'PostgreSQL', generate: { length: 24, alphabet: 'hex' as const } },
    'api-key': { description: 'from the provider', generate: null },
  },
};

test('a generated secret has the declared length, drawn only from its alphabet, and differs each time', () => {
  const a = generateSecret({ length: 40, alphabet: 'base64url' });
  expect(a).toHaveLength(40);
  expect([...a].every((c) => SECRET_ALPHABETS.base64url.includes(c))).toBe(true);
  expect(generateSecret({ length: 40, alphabet: 'base64url' })).not.toBe(a);
  // Every character of the alphabet can come out: the draw covers it exactly.
  let i = 0;
  expect(generateSecret({ length: 16, alphabet: 'hex' }, (max) => i++ % max)).toBe('0123456789abcdef');
});

test('a first install generates the generated secrets and leaves user-supplied ones missing', () => {
  const { secrets, generated } = reconcileSecrets(manifest, {}, { prune: true, now });
  expect(generated).toEqual(['db-password']);
  expect(secrets['db-password']?.value).toMatch(/^[0-9a-f]{24}$/);
  expect(missingUserSecrets(manifest, secrets)).toEqual(['api-key']);
});

test('an update keeps existing values, generates newly declared ones, and drops undeclared ones only when pruning', () => {
  const stored = { 'db-password': { value: 'kept-value-1234', setAt: 'then' }, old: { value: 'old-value-1234', setAt: 'then' }, 'api-key': { value: 'user-value-1234', setAt: 'then' } };
  const kept = reconcileSecrets(manifest, stored, { prune: false, now });
  expect(kept.secrets['db-password']?.value).toBe('kept-value-1234');
  expect(kept.secrets['old']?.value).toBe('old-value-1234');
  expect(kept.generated).toEqual([]);
  const pruned = reconcileSecrets(manifest, stored, { prune: true, now });
  expect(Object.keys(pruned.secrets).sort()).toEqual(['api-key', 'db-password']);
  expect(pruned.dropped).toEqual(['old']);
  expect(declaredValues(manifest, kept.secrets)).toEqual({ 'db-password': 'kept-value-1234', 'api-key': 'user-value-1234' });
});
