import { createPublicKey } from 'node:crypto';
import { HearthError, ownValue, type TrustedKeyInfo } from '@hearth/sdk/contract';
import { fingerprint } from '@hearth/sdk/archive';
import type { StateStore } from './state.js';

/** Publisher keys this host trusts, kept in the state file (`trust add/list/remove`). */
export class TrustedKeys {
  constructor(private readonly state: StateStore) {}

  /** `given`: the raw key in base64, or a PEM public key (what a publisher may hand out, and the dashboard takes pasted). */
  async add(given: string, name: string): Promise<TrustedKeyInfo> {
    const publicKey = rawPublicKey(given);
    const entry = { publicKey, name, addedAt: new Date().toISOString() };
    const fp = fingerprint(publicKey);
    await this.state.update((draft) => {
      draft.trusted[fp] = entry;
    });
    return { fingerprint: fp, ...entry };
  }

  list(): TrustedKeyInfo[] {
    return Object.entries(this.state.state.trusted).map(([fp, key]) => ({ fingerprint: fp, ...key }));
  }

  async remove(fp: string): Promise<void> {
    if (ownValue(this.state.state.trusted, fp) === undefined) {
      throw new HearthError('INVALID_PARAMS', `no trusted key has the fingerprint ${fp}`, { hint: 'see `hearth trust list`' });
    }
    await this.state.update((draft) => {
      delete draft.trusted[fp];
    });
  }
}

const KEY_HINT = 'give the base64 key `hearth-pack pubkey` prints, or the publisher\'s PEM public key (-----BEGIN PUBLIC KEY-----)';

/** The raw ed25519 public key (base64) of a base64 key or a PEM public key; a private key is refused unquoted. */
export function rawPublicKey(given: string): string {
  const text = given.trim();
  if (text.includes('PRIVATE KEY')) {
    throw new HearthError('INVALID_PARAMS', 'that is a private key: a signing key must stay with its publisher', { hint: `${KEY_HINT}; \`hearth-pack pubkey --key KEY.pem\` prints the public one` });
  }
  if (text.startsWith('-----BEGIN PUBLIC KEY-----')) {
    let x: string | undefined;
    try {
      const key = createPublicKey(text);
      if (key.asymmetricKeyType !== 'ed25519') throw new HearthError('INVALID_PARAMS', `that is a ${key.asymmetricKeyType ?? 'unknown'} key, not ed25519`, { hint: KEY_HINT });
      x = key.export({ format: 'jwk' }).x;
    } catch (error) {
      if (error instanceof HearthError) throw error;
      throw new HearthError('INVALID_PARAMS', 'the PEM public key cannot be read', { hint: KEY_HINT, cause: error });
    }
    return Buffer.from(x ?? '', 'base64url').toString('base64');
  }
  const raw = Buffer.from(text, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== text) {
    throw new HearthError('INVALID_PARAMS', 'publicKey must be a raw ed25519 public key in base64 (44 characters) or a PEM public key', { hint: KEY_HINT });
  }
  return text;
}
