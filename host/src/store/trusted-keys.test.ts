import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { rawPublicKey } from './trusted-keys.js';

describe('a publisher key as trust.add takes it', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x ?? '', 'base64url').toString('base64');

  test('a PEM public key (pasted with blank lines around) is the same key as its base64 form', () => {
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(rawPublicKey(`\n${pem}\n`)).toBe(raw);
    expect(rawPublicKey(raw)).toBe(raw);
  });

  test('a private key is refused without being quoted back, and so is a non-ed25519 key or garbage', () => {
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => rawPublicKey(pem)).toThrow(/that is a private key/);
    try {
      rawPublicKey(pem);
    } catch (error) {
      expect(JSON.stringify(error) + String(error)).not.toContain(pem.split('\n')[1]);
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(() => rawPublicKey(rsa)).toThrow(/rsa key, not ed25519/);
    expect(() => rawPublicKey('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----')).toThrow(/cannot be read/);
    expect(() => rawPublicKey('hello')).toThrow(/44 characters/);
  });
});
