import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { HearthError } from '@hearth/sdk/contract';
import { writeFileAtomic } from '../store/atomic.js';

/**
 * scrypt with N = 2^15, r = 8, p = 1: 32 MiB and about 50-100 ms per guess on a small machine
 * (OWASP's minimum is N = 2^17 with r = 8 for a server doing many logins; one household dashboard
 * can afford this and a 2-core box stays responsive). Stored with the parameters, so they can grow.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const SCRYPT_MAXMEM_BYTES = 64 * 1024 * 1024;
const SALT_BYTES = 16;
const KEY_BYTES = 64;
export const MIN_PASSWORD_LENGTH = 8;
/** Longer inputs are refused before hashing, so a request cannot buy minutes of CPU. */
export const MAX_PASSWORD_LENGTH = 1024;

export interface PasswordRecord {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

function derive(password: string, salt: Buffer, params: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...params, maxmem: SCRYPT_MAXMEM_BYTES }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Why a new password is refused, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}

export async function hashPassword(password: string): Promise<PasswordRecord> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, SCRYPT_PARAMS);
  return { algorithm: 'scrypt', ...SCRYPT_PARAMS, salt: salt.toString('base64'), hash: key.toString('base64') };
}

export async function verifyPassword(record: PasswordRecord, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const expected = Buffer.from(record.hash, 'base64');
  const key = await derive(password, Buffer.from(record.salt, 'base64'), { N: record.N, r: record.r, p: record.p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** The dashboard's one password, in a root-only file of the data dir (its directory is 0700). */
export class PasswordFile {
  constructor(readonly path: string) {}

  async read(): Promise<PasswordRecord | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const record = JSON.parse(text) as Partial<PasswordRecord>;
    if (record.algorithm !== 'scrypt' || typeof record.salt !== 'string' || typeof record.hash !== 'string' || ![record.N, record.r, record.p].every((n) => Number.isInteger(n))) {
      throw new HearthError('INVALID_PARAMS', `${this.path} is not a dashboard password file`, { hint: `delete it to set a new password on the next visit (a setup code is made at boot)` });
    }
    return record as PasswordRecord;
  }

  async write(record: PasswordRecord): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(record)}\n`);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
