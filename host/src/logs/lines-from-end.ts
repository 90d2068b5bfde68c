import { open } from 'node:fs/promises';

const NEWLINE = 0x0a;
export const READ_CHUNK_BYTES = 64 * 1024;

/**
 * The lines of a file, last first, read backwards in fixed-size chunks: memory is one chunk plus
 * one line, whatever the file's size. A line longer than `maxLineBytes` is skipped whole. Reads
 * the file as it was when opened up to its size then; what is appended meanwhile is not seen.
 * A missing file has no lines.
 */
export async function* linesFromEnd(path: string, maxLineBytes: number, chunkBytes = READ_CHUNK_BYTES): AsyncGenerator<Buffer> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    let position = (await file.stat()).size;
    // The start of the line being assembled lies in chunks not yet read; `carry` holds its end, in order.
    let carry: Buffer[] = [];
    let carryBytes = 0;
    let skipping = false;
    const take = (head: Buffer): Buffer | null => {
      const line = carry.length === 0 ? head : Buffer.concat([head, ...carry]);
      const skipped = skipping || line.length > maxLineBytes;
      carry = [];
      carryBytes = 0;
      skipping = false;
      return skipped || line.length === 0 ? null : line;
    };
    const chunk = Buffer.allocUnsafe(chunkBytes);
    while (position > 0) {
      const length = Math.min(chunkBytes, position);
      position -= length;
      const { bytesRead } = await file.read(chunk, 0, length, position);
      let end = bytesRead;
      let newline = end > 0 ? chunk.lastIndexOf(NEWLINE, end - 1) : -1;
      while (newline >= 0) {
        const line = take(Buffer.from(chunk.subarray(newline + 1, end)));
        if (line) yield line;
        end = newline;
        newline = end > 0 ? chunk.lastIndexOf(NEWLINE, end - 1) : -1;
      }
      if (end > 0 && !skipping) {
        carryBytes += end;
        if (carryBytes > maxLineBytes) {
          carry = []; // too long already: drop what we have and skip the rest of it
          carryBytes = 0;
          skipping = true;
        } else {
          carry.unshift(Buffer.from(chunk.subarray(0, end)));
        }
      }
    }
    const first = take(Buffer.alloc(0));
    if (first) yield first;
  } finally {
    await file.close();
  }
}
