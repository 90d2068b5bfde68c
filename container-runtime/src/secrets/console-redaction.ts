import { Redactor } from '@hearth/sdk/contract';

/**
 * The runtime's stdout and stderr are the container's console, which LXC writes to runtime.log on
 * the host, a log hearth keeps. Package code runs in this process (render functions get secret
 * values; actions and hooks may print what they learn), so whatever it prints, and every error the
 * runtime logs, passes here first: each secret value the runtime was given becomes
 * `[secret:<name>]`, as in what hearthd keeps. Like hearthd's, a value split across two writes
 * is not recognised.
 */
export class ConsoleRedaction {
  private redactor = Redactor.none();

  /** Redacts `secrets` from now on; values replaced by a rotation stay redacted. */
  learn(secrets: Readonly<Record<string, string>>): void {
    this.redactor = this.redactor.with({ ...secrets });
  }

  /** What reaches the console instead of `chunk`: the same chunk unless it held a value. */
  chunk(chunk: unknown): unknown {
    if (this.redactor.empty) return chunk;
    if (typeof chunk === 'string') return this.redactor.text(chunk);
    if (!(chunk instanceof Uint8Array)) return chunk;
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
    const out = this.redactor.text(text);
    // A buffer is passed on untouched unless it held a value (decoding could split a character).
    return out === text ? chunk : out;
  }

  /** Wraps each stream's `write` so that it redacts; returns the undo. */
  install(streams: readonly NodeJS.WriteStream[]): () => void {
    const undos = streams.map((stream) => {
      const own = Object.getOwnPropertyDescriptor(stream, 'write');
      const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
      stream.write = (chunk: unknown, ...rest: unknown[]): boolean => {
        const out = this.chunk(chunk);
        // A buffer turned into a string is utf8: an encoding argument would not describe it.
        const args = typeof chunk !== 'string' && out !== chunk && typeof rest[0] === 'string' ? rest.slice(1) : rest;
        return write(out, ...args);
      };
      return (): void => {
        if (own === undefined) Reflect.deleteProperty(stream, 'write');
        else Object.defineProperty(stream, 'write', own);
      };
    });
    return () => {
      for (const undo of undos) undo();
    };
  }
}
