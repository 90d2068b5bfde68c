import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HearthError } from '@hearth/sdk/contract';
import { writeFileAtomic } from '../store/atomic.js';

export const MIN_TOKEN_LENGTH = 16;

/** The API token: read from the file, or created there (root only) with 32 random bytes. */
export async function loadOrCreateToken(path: string): Promise<string> {
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new HearthError('INVALID_PARAMS', `the token in ${path} is shorter than ${MIN_TOKEN_LENGTH} characters`, {
        hint: 'put a long random token in it, or delete it to have hearthd make one',
      });
    }
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  await writeFileAtomic(path, `${token}\n`);
  return token;
}
