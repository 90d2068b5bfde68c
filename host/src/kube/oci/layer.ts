import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TarArchive, type TarEntryData } from 'archiver';

/** Every entry is dated this (the Unix epoch), so one tree gives one layer digest. */
const LAYER_DATE = new Date(0);

export interface Layer {
  digest: string;
  size: number;
  /** Entries left out: devices, fifos, sockets (an engine makes /dev itself). */
  skipped: string[];
}

/** Every path under `root`, parents first, siblings in byte order of their names. */
async function* walk(root: string, rel = ''): AsyncGenerator<string> {
  const names = (await readdir(join(root, rel))).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const path = rel === '' ? name : `${rel}/${name}`;
    yield path;
    if ((await lstat(join(root, path))).isDirectory()) yield* walk(root, path);
  }
}

/**
 * An uncompressed layer tarball of a root filesystem, written with archiver, owners and modes as
 * on disk, every time the epoch: the same tree gives the same bytes. Its sha256 is both the
 * layer's digest and its diffID (OCI: they differ only for compressed layers).
 */
export async function writeLayer(root: string, file: string): Promise<Layer> {
  const archive = new TarArchive();
  const hash = createHash('sha256');
  let size = 0;
  const out = createWriteStream(file, { mode: 0o644 });
  const tee = new Writable({
    write(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      if (out.write(chunk)) done();
      else out.once('drain', done);
    },
    final(done) {
      out.end(done);
    },
  });
  const piping = pipeline(archive, tee);
  const skipped: string[] = [];
  try {
    for await (const path of walk(root)) {
      const full = join(root, path);
      const st = await lstat(full);
      // uid/gid/uname/gname go through to tar-stream though archiver's types do not list them.
      const common = { name: path, date: LAYER_DATE, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, uname: '', gname: '' } as TarEntryData;
      if (st.isDirectory()) archive.append(Buffer.alloc(0), { ...common, type: 'directory' });
      else if (st.isSymbolicLink()) archive.append(Buffer.alloc(0), { ...common, type: 'symlink', linkname: await readlink(full) } as TarEntryData);
      else if (st.isFile()) archive.file(full, common);
      else skipped.push(path);
    }
    await archive.finalize();
    await piping;
  } catch (error) {
    archive.abort();
    await piping.catch(() => undefined);
    throw error;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size, skipped };
}
