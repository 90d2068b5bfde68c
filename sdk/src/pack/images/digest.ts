import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError } from '../../errors.js';

const READ_CHUNK_BYTES = 1024 * 1024;

/** A file an image was built from, as it was when it was hashed. */
interface Seen {
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * The digest of everything one build step reads (recipe text, files, trees), remembering each
 * file's size and mtime so a file that changes while the image is built is caught before the
 * build is cached under the digest of its old content.
 */
export class InputDigest {
  private readonly hash: Hash = createHash('sha256');
  private readonly seen: Seen[] = [];

  constructor(recipe: string) {
    this.hash.update(recipe);
  }

  text(value: string): this {
    this.hash.update(`${value}\0`);
    return this;
  }

  async file(path: string): Promise<void> {
    const info = await stat(path);
    this.seen.push({ path, size: info.size, mtimeMs: info.mtimeMs });
    for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) this.hash.update(chunk);
  }

  /** Relative names, modes and contents of a file or a tree, in a stable order (not where it lives). */
  async tree(path: string, name = '.'): Promise<void> {
    const info = await lstat(path);
    this.hash.update(`${name}\0${info.mode}\0`);
    if (info.isDirectory()) {
      for (const child of (await readdir(path)).sort()) await this.tree(join(path, child), `${name}/${child}`);
    } else if (info.isFile()) {
      await this.file(path);
    }
  }

  hex(): string {
    return this.hash.copy().digest('hex');
  }

  /** Refuse when a file read for the digest has changed since (the build may hold a mix of old and new). */
  async assertUnchanged(): Promise<void> {
    for (const { path, size, mtimeMs } of this.seen) {
      const now = await stat(path).catch(() => null);
      if (now === null || now.size !== size || now.mtimeMs !== mtimeMs) {
        throw new HearthError('PACK_FAILED', `${path} changed while it was packed`, {
          hint: 'pack again once nothing writes to it (a build still running?)',
          details: { path },
        });
      }
    }
  }
}
