import { HearthError } from '../errors.js';

/**
 * The subset of POSIX ustar that .hpk uses: regular files only, names up to 100 bytes, no prefix,
 * deterministic header fields. Parsing is strict; anything else is reported, never guessed at.
 */
export const BLOCK = 512;
const MAX_OCTAL_SIZE = 8 ** 11 - 1; // 11 octal digits in the 12-byte size field

export interface TarHeader {
  name: string;
  size: number;
  typeflag: string;
  /** True when the prefix field is used (we never write it). */
  hasPrefix: boolean;
}

export type HeaderProblem = 'checksum' | 'magic' | 'size';

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  buf.write(value, offset, length, 'utf8');
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  writeString(buf, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum;
}

export function encodeHeader(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) {
    throw new HearthError('PACK_FAILED', `member name longer than 100 bytes: ${name}`, { hint: 'use a shorter image id', details: { member: name } });
  }
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_OCTAL_SIZE) {
    throw new HearthError('PACK_FAILED', `member ${name} is too large for ustar: ${size} bytes`, { hint: 'make the image smaller (at most 8 GiB)', details: { member: name, size } });
  }
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0);
  h[156] = 0x30; // '0': regular file
  writeString(h, 257, 6, 'ustar\0');
  writeString(h, 263, 2, '00');
  writeString(h, 265, 32, 'root');
  writeString(h, 297, 32, 'root');
  writeString(h, 148, 8, `${checksum(h).toString(8).padStart(6, '0')}\0 `);
  return h;
}

function readString(buf: Buffer, offset: number, length: number): string {
  const field = buf.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? length : nul).toString('utf8');
}

function readOctal(buf: Buffer, offset: number, length: number): number | null {
  const text = readString(buf, offset, length).trim();
  if (!/^[0-7]+$/.test(text)) return null; // base-256 and garbage alike are refused
  return Number.parseInt(text, 8);
}

export function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/** Parse one header block, or name what is wrong with it. */
export function decodeHeader(block: Buffer): TarHeader | HeaderProblem {
  if (block.toString('latin1', 257, 263) !== 'ustar\0' || block.toString('latin1', 263, 265) !== '00') return 'magic';
  if (readOctal(block, 148, 8) !== checksum(block)) return 'checksum';
  const size = readOctal(block, 124, 12);
  if (size === null) return 'size';
  return {
    name: readString(block, 0, 100),
    size,
    typeflag: String.fromCharCode(block[156] ?? 0),
    hasPrefix: block[345] !== 0,
  };
}

export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Names we accept: relative, no `.`/`..`/empty segments, a conservative character set. */
export function isSafeMemberName(name: string): boolean {
  if (name.length === 0 || name.startsWith('/') || !/^[A-Za-z0-9._/-]+$/.test(name)) return false;
  return name.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
