import { BLOCK, decodeHeader } from './tar.js';

/** Bytes to read from the start of a file to tell whether it can be an .hpk. */
export const SNIFF_BYTES = BLOCK;
export const FIRST_MEMBER = 'signature.json';

/**
 * Why the first bytes of a file cannot start an .hpk, or null if they can: every .hpk opens with a
 * ustar header (valid checksum) of a regular file named signature.json. Lets an installer refuse a
 * non-archive before copying gigabytes of it; the full verification still follows.
 */
export function archiveStartProblem(start: Buffer): string | null {
  if (start.length < SNIFF_BYTES) return `it is smaller than one ${BLOCK}-byte tar block`;
  const header = decodeHeader(start.subarray(0, SNIFF_BYTES));
  if (header === 'magic') return 'it does not start with a ustar tar header';
  if (typeof header === 'string') return `its first tar header is corrupt (${header})`;
  if (header.name !== FIRST_MEMBER || (header.typeflag !== '0' && header.typeflag !== '\0')) {
    return `its first member is not ${FIRST_MEMBER}`;
  }
  return null;
}
