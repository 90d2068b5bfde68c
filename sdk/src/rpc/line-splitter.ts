const NEWLINE = 0x0a;

/**
 * Splits a byte stream into newline-terminated lines of at most `maxLineBytes` bytes (the newline
 * not counted). Each byte is scanned once: only the new chunk is searched for a newline, and the
 * start of an unfinished line is kept as a list of chunks until its end arrives, so a peer that
 * trickles a long line costs O(n), not O(n²). A line over the bound is refused as soon as it is
 * known to be too long, before it is complete: a line that never ends cannot grow past the bound.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** The complete lines in `chunk` (with what came before), or 'oversize' once a line exceeds the bound. */
  push(chunk: Buffer): Buffer[] | 'oversize' {
    const lines: Buffer[] = [];
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf(NEWLINE, start)) >= 0) {
      const length = this.pendingBytes + (newline - start);
      if (length > this.maxLineBytes) return this.refuse();
      const tail = chunk.subarray(start, newline);
      lines.push(this.pending.length === 0 ? tail : Buffer.concat([...this.pending, tail], length));
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
    }
    if (start < chunk.length) {
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > this.maxLineBytes) return this.refuse();
      // Copied, so a short unfinished tail does not keep a whole large chunk alive.
      this.pending.push(Buffer.from(chunk.subarray(start)));
    }
    return lines;
  }

  /** Bytes held for a line not yet complete. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  private refuse(): 'oversize' {
    this.pending = [];
    this.pendingBytes = 0;
    return 'oversize';
  }
}
