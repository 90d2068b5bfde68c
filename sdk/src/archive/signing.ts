import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HearthError } from '../errors.js';

/** ed25519 keys as publishers hold them (PKCS#8 PEM) and as archives carry them (raw 32 bytes, base64). */

export function generatePrivateKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export async function loadPrivateKey(path: string): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new HearthError('PACK_FAILED', `cannot read the signing key ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'make one with `hearth-pack keygen --out <file>`',
      cause: error,
    });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new HearthError('PACK_FAILED', `${path} is not a PEM private key`, { hint: 'make one with `hearth-pack keygen --out <file>`', cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new HearthError('PACK_FAILED', `${path} is a ${key.asymmetricKeyType ?? 'unknown'} key; hearth signs with ed25519`, {
      hint: 'make one with `hearth-pack keygen --out <file>`',
    });
  }
  return key;
}

/** The raw public key, base64: what signature.json carries. */
export function publicKeyOf(privateKey: KeyObject): string {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url').toString('base64');
}

/** Hex sha256 of the raw public key: how hosts name and trust publishers. */
export function fingerprint(publicKeyBase64: string): string {
  return createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex');
}

export function signBytes(privateKey: KeyObject, data: Buffer): string {
  return sign(null, data, privateKey).toString('base64');
}

/** False (never a throw) for a malformed key or signature: the caller reports one clear error. */
export function verifyBytes(publicKeyBase64: string, data: Buffer, signatureBase64: string): boolean {
  const raw = Buffer.from(publicKeyBase64, 'base64');
  const signature = Buffer.from(signatureBase64, 'base64');
  if (raw.length !== 32 || signature.length !== 64) return false;
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}
