import { randomInt } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../store/atomic.js';

/** No 0/O or 1/I/L to misread: 4 groups of 4 from 31 symbols, about 79 bits. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const GROUPS = 4;
const GROUP_LENGTH = 4;

/**
 * The one-time code that proves the first visitor may set the password: it is in a root-only file
 * (DATA_DIR/web/setup-code), so reaching the port (a local user, the LAN) is not enough to claim
 * the dashboard before its owner does. Removed once a password is set.
 */
export class SetupCode {
  constructor(readonly path: string) {}

  /** The code in the file, made there first if there is none. */
  async ensure(): Promise<string> {
    const existing = await this.read();
    if (existing !== null) return existing;
    const groups = Array.from({ length: GROUPS }, () => Array.from({ length: GROUP_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''));
    const code = groups.join('-');
    await writeFileAtomic(this.path, `${code}\n`);
    return code;
  }

  async read(): Promise<string | null> {
    try {
      return (await readFile(this.path, 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/** Codes compared as typed: case, spaces and dashes do not matter. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}
