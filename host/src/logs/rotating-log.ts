import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

export const LOG_MAX_BYTES = 8 * 1024 * 1024;
/** Rotated files kept besides the live one: at most (LOG_KEEP + 1) × LOG_MAX_BYTES per service. */
export const LOG_KEEP = 3;

/**
 * An append-only log file that rotates by size (`x.log` → `x.log.1` → … → `x.log.<keep>`), so a
 * chatty daemon cannot fill the disk. Writes are synchronous appends: ordered, and on disk even
 * if hearthd dies right after.
 */
export class RotatingLog {
  private fd: number;
  private size: number;

  constructor(
    readonly path: string,
    private readonly maxBytes = LOG_MAX_BYTES,
    private readonly keep = LOG_KEEP,
  ) {
    this.fd = openSync(path, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  append(line: string): void {
    const data = Buffer.from(`${line}\n`);
    writeSync(this.fd, data);
    this.size += data.length;
    if (this.size >= this.maxBytes) this.rotate();
  }

  private rotate(): void {
    closeSync(this.fd);
    for (let i = this.keep - 1; i >= 1; i -= 1) {
      try {
        renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a', 0o640);
    this.size = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** The files of a rotated log, oldest first. */
export function rotatedFiles(path: string, keep = LOG_KEEP): string[] {
  const files: string[] = [];
  for (let i = keep; i >= 1; i -= 1) files.push(`${path}.${i}`);
  files.push(path);
  return files;
}
