import { HearthError, ownValue, type TrustedKeyInfo } from '@hearth/sdk/contract';
import { fingerprint } from '@hearth/sdk/archive';
import type { StateStore } from './state.js';

/** Publisher keys this host trusts, kept in the state file (`trust add/list/remove`). */
export class TrustedKeys {
  constructor(private readonly state: StateStore) {}

  async add(publicKey: string, name: string): Promise<TrustedKeyInfo> {
    const raw = Buffer.from(publicKey, 'base64');
    if (raw.length !== 32 || raw.toString('base64') !== publicKey) {
      throw new HearthError('INVALID_PARAMS', 'publicKey must be a raw ed25519 public key in base64 (44 characters)', {
        hint: 'hearth-pack keygen prints it; `hearth trust add` also takes a .pem key file or an .hpk signed by it',
      });
    }
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
