import { dict, type Manifest } from '@hearth/sdk/contract';
import { generateSecret } from './generate.js';

/** A stored secret: its value and when it was generated or set (ISO 8601). */
export interface StoredSecret {
  value: string;
  setAt: string;
}

export type StoredSecrets = Record<string, StoredSecret>;

/**
 * The secrets a service has after an install or update of `manifest`: values it had are kept (a
 * database initialised with a password keeps working), declared generated ones without a value are
 * generated, user-supplied ones stay unset until the user sets them. Undeclared ones are dropped
 * when `prune` (not while an update may still roll back to the version that declared them).
 */
export function reconcileSecrets(
  manifest: Pick<Manifest, 'secrets'>,
  stored: StoredSecrets,
  options: { prune: boolean; now: string; generate?: typeof generateSecret },
): { secrets: StoredSecrets; generated: string[]; dropped: string[] } {
  const secrets = dict<StoredSecret>();
  const generated: string[] = [];
  for (const [name, decl] of Object.entries(manifest.secrets)) {
    const kept = Object.hasOwn(stored, name) ? stored[name] : undefined;
    if (kept !== undefined) secrets[name] = kept;
    else if (decl.generate !== null) {
      secrets[name] = { value: (options.generate ?? generateSecret)(decl.generate), setAt: options.now };
      generated.push(name);
    }
  }
  const dropped: string[] = [];
  for (const [name, kept] of Object.entries(stored)) {
    if (Object.hasOwn(manifest.secrets, name)) continue;
    if (options.prune) dropped.push(name);
    else secrets[name] = kept;
  }
  return { secrets, generated, dropped };
}

/** Declared user-supplied secrets that have no value: the service cannot start without them. */
export function missingUserSecrets(manifest: Pick<Manifest, 'secrets'>, stored: StoredSecrets): string[] {
  return Object.keys(manifest.secrets).filter((name) => !Object.hasOwn(stored, name));
}

/** The values package code is given: declared secrets that have one, by name. */
export function declaredValues(manifest: Pick<Manifest, 'secrets'>, stored: StoredSecrets): Record<string, string> {
  const values = dict<string>();
  for (const name of Object.keys(manifest.secrets)) if (Object.hasOwn(stored, name)) values[name] = (stored[name] as StoredSecret).value;
  return values;
}
