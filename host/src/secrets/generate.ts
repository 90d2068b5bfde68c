import { randomInt } from 'node:crypto';
import { SECRET_ALPHABETS, type Manifest } from '@hearth/sdk/contract';

/** A declared secret as the manifest stores it. */
export type SecretDecl = Manifest['secrets'][string];

/**
 * A new value for a generated secret: each character drawn uniformly from its alphabet by the
 * kernel's CSPRNG (`randomInt` rejects out-of-range draws, so there is no modulo bias).
 */
export function generateSecret(generate: NonNullable<SecretDecl['generate']>, draw: (max: number) => number = randomInt): string {
  const alphabet = SECRET_ALPHABETS[generate.alphabet];
  let value = '';
  for (let i = 0; i < generate.length; i++) value += alphabet[draw(alphabet.length)];
  return value;
}
