import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HearthError } from '@hearth/sdk/contract';
import { SNIFF_BYTES, archiveStartProblem } from '@hearth/sdk/archive';
import { ensureDir } from '../layout.js';

/** An upload nobody installed is deleted after this long (the page retries an untrusted one after a trust step). */
export const UPLOAD_TTL_MS = 60 * 60_000;
/** Uploads kept or arriving at once: a client cannot fill the disk with waiting files. */
export const MAX_WAITING_UPLOADS = 4;
const UPLOAD_ID = /^[0-9a-f]{32}$/;
const HINT = 'upload an .hpk file made by hearth-pack';

export interface Upload {
  /** What `package.install {upload}` names it by. */
  upload: string;
  bytes: number;
  /** Where it is on the host: install progress events name this path. */
  path: string;
}

interface Entry extends Upload {
  receivedAt: number;
}

/**
 * Package files sent over HTTP (the dashboard's install page), streamed to `<data-dir>/uploads/`
 * (root only) and never held in memory, until `package.install {upload}` installs one (then it is
 * deleted) or it expires. Bounded by size, by count, and refused at the first bytes when they
 * cannot start an .hpk. Uploads do not survive a restart of hearthd.
 */
export class UploadStore {
  private readonly entries = new Map<string, Entry>();
  /** Slots taken by uploads still arriving. */
  private arriving = 0;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly now: () => number,
  ) {}

  /** The store in `dir`, emptied: files from an earlier run are nobody's. */
  static async open(dir: string, maxBytes: number, now: () => number = Date.now): Promise<UploadStore> {
    await ensureDir(dir, 'host');
    for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
    return new UploadStore(dir, maxBytes, now);
  }

  /** Whether another upload may start now (expired ones are deleted first). */
  async hasRoom(): Promise<boolean> {
    await this.sweep();
    return this.entries.size + this.arriving < MAX_WAITING_UPLOADS;
  }

  /**
   * Stream `body` into a new file: refused (and the partial file removed) past `maxBytes`, when the
   * first bytes are not an .hpk's, or when the body ends short of `expectedBytes`.
   */
  async receive(body: Readable, expectedBytes: number | null): Promise<Upload> {
    if (expectedBytes !== null && expectedBytes > this.maxBytes) throw oversize(expectedBytes, this.maxBytes);
    const id = randomBytes(16).toString('hex');
    const path = join(this.dir, `${id}.hpk`);
    this.arriving += 1;
    try {
      const bytes = await this.write(body, path);
      if (expectedBytes !== null && bytes !== expectedBytes) {
        throw new HearthError('ARCHIVE_TRUNCATED', `the upload ended after ${bytes} of ${expectedBytes} bytes`, { hint: 'upload the file again' });
      }
      const entry = { upload: id, bytes, path, receivedAt: this.now() };
      this.entries.set(id, entry);
      return { upload: id, bytes, path };
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    } finally {
      this.arriving -= 1;
    }
  }

  /** The file of upload `id`, for `package.install`. */
  pathOf(id: string): string {
    const entry = UPLOAD_ID.test(id) ? this.entries.get(id) : undefined;
    if (entry === undefined) {
      throw new HearthError('INVALID_PARAMS', `no upload ${JSON.stringify(id.slice(0, 40))}: it was installed already, or expired (uploads are kept ${UPLOAD_TTL_MS / 60_000} minutes)`, {
        hint: 'upload the .hpk again',
        details: { upload: id.slice(0, 40) },
      });
    }
    return entry.path;
  }

  async remove(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    await rm(entry.path, { force: true });
  }

  private async sweep(): Promise<void> {
    const now = this.now();
    for (const entry of [...this.entries.values()]) if (now - entry.receivedAt > UPLOAD_TTL_MS) await this.remove(entry.upload);
  }

  private async write(body: Readable, path: string): Promise<number> {
    const { maxBytes } = this;
    let bytes = 0;
    let head: Buffer | null = Buffer.alloc(0);
    const check = (start: Buffer): Error | null => {
      const problem = archiveStartProblem(start);
      return problem === null ? null : new HearthError('ARCHIVE_NOT_HPK', `the upload is not an .hpk: ${problem}`, { hint: HINT });
    };
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > maxBytes) return done(oversize(bytes, maxBytes));
        // The first bytes are checked as soon as they are here: a wrong file is refused before it is all sent.
        if (head !== null) {
          head = Buffer.concat([head, chunk]);
          if (head.length >= SNIFF_BYTES) {
            const problem = check(head.subarray(0, SNIFF_BYTES));
            head = null;
            if (problem) return done(problem);
          }
        }
        done(null, chunk);
      },
      flush(done) {
        done(head === null ? null : check(head));
      },
    });
    await pipeline(body, counter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    return bytes;
  }
}

function oversize(bytes: number, limit: number): HearthError {
  return new HearthError('ARCHIVE_OVERSIZE', `the upload is larger than ${limit} bytes, the largest package hearthd accepts`, {
    hint: 'if this package is genuine, start hearthd with a larger --max-package-bytes',
    details: { size: bytes, limit },
  });
}
