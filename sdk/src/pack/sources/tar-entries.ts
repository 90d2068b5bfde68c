import type { Readable } from 'node:stream';
import { HearthError } from '../../errors.js';

/** One entry of a tar stream, with its content read into memory only when asked for. */
export interface TarEntry {
  path: string;
  /** '0' file, '1' hardlink, '2' symlink, '3'/'4' device, '5' directory, '6' fifo. */
  type: string;
  mode: number;
  size: number;
  linkpath: string;
  uid: number;
  gid: number;
}

const BLOCK = 512;

function str(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? length : nul).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number): number {
  // GNU base-256 for large sizes: high bit set on the first byte.
  if ((block[offset] ?? 0) & 0x80) {
    let value = 0;
    for (let i = offset + 1; i < offset + length; i += 1) value = value * 256 + (block[i] ?? 0);
    return value;
  }
  const text = str(block, offset, length).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const length = Number(data.toString('utf8', pos, space));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.toString('utf8', space + 1, pos + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return out;
}

/** Reads exactly what is asked for from a stream, across chunk boundaries. */
class ChunkReader {
  private buffered: Buffer[] = [];
  private length = 0;
  private done = false;
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(stream: Readable) {
    this.iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** `n` bytes, or fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    while (this.length < n && !this.done) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else {
        this.buffered.push(next.value);
        this.length += next.value.length;
      }
    }
    const all = this.buffered.length === 1 ? (this.buffered[0] ?? Buffer.alloc(0)) : Buffer.concat(this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    return out;
  }

  /** Pass over `n` bytes without holding them (a layer that is not read). Returns how many there were. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const head = this.buffered.shift();
      if (head !== undefined) {
        this.length -= head.length;
        if (head.length > left) {
          this.buffered.unshift(head.subarray(left));
          this.length += head.length - left;
          return n;
        }
        left -= head.length;
        continue;
      }
      if (this.done) break;
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else {
        this.buffered.push(next.value);
        this.length += next.value.length;
      }
    }
    return n - left;
  }
}

/**
 * Entries of a tar stream (ustar, GNU long names, pax path/linkpath/size), each with a function
 * that reads its content; content not read is skipped.
 */
export async function* tarEntries(stream: Readable, what: string): AsyncGenerator<{ entry: TarEntry; content: () => Promise<Buffer> }> {
  const reader = new ChunkReader(stream);
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax = new Map<string, string>();
  for (;;) {
    const header = await reader.read(BLOCK);
    if (header.length < BLOCK) {
      if (header.length === 0) return; // some writers omit the end marker
      throw new HearthError('PACK_FAILED', `${what} ends inside a tar header`, { hint: 'the archive is truncated; export it again' });
    }
    if (header.every((b) => b === 0)) return;
    const type = String.fromCharCode(header[156] ?? 0x30).replace('\0', '0');
    const size = Number(pax.get('size') ?? octal(header, 124, 12));
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    let consumed = false;
    const body = async (): Promise<Buffer> => {
      consumed = true;
      const data = await reader.read(padded);
      if (data.length < padded) throw new HearthError('PACK_FAILED', `${what} ends inside an entry`, { hint: 'the archive is truncated; export it again' });
      return data.subarray(0, size);
    };
    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      const data = await body();
      if (type === 'L') longName = data.toString('utf8').replace(/\0+$/, '');
      else if (type === 'K') longLink = data.toString('utf8').replace(/\0+$/, '');
      else if (type === 'x') pax = paxRecords(data);
      continue;
    }
    const prefix = str(header, 345, 155);
    const name = str(header, 0, 100);
    const entry: TarEntry = {
      path: pax.get('path') ?? longName ?? (prefix ? `${prefix}/${name}` : name),
      type,
      mode: octal(header, 100, 8) & 0o7777,
      size,
      linkpath: pax.get('linkpath') ?? longLink ?? str(header, 157, 100),
      uid: Number(pax.get('uid') ?? octal(header, 108, 8)),
      gid: Number(pax.get('gid') ?? octal(header, 116, 8)),
    };
    longName = null;
    longLink = null;
    pax = new Map();
    yield { entry, content: body };
    if (!consumed && (await reader.skip(padded)) < padded) throw new HearthError('PACK_FAILED', `${what} ends inside an entry`, { hint: 'the archive is truncated; export it again' });
  }
}
