/** The last `maxBytes` of a stream: a one-off process that writes without end costs the runtime a bounded amount. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  push(data: string): void {
    const chunk = Buffer.from(data);
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Trimmed only once twice the bound is held, so a chatty process is not copied at every write.
    if (this.size > 2 * this.maxBytes) {
      const kept = Buffer.concat(this.chunks).subarray(-this.maxBytes);
      this.chunks = [kept];
      this.size = kept.length;
    }
  }

  /** The end kept, as text (a character cut at the start shows as U+FFFD). */
  text(): string {
    return Buffer.concat(this.chunks).subarray(-this.maxBytes).toString('utf8');
  }
}
