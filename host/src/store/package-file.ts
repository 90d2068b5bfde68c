import { open, type FileHandle } from 'node:fs/promises';
import { HearthError } from '@hearth/sdk/contract';
import { SNIFF_BYTES, archiveStartProblem } from '@hearth/sdk/archive';

/** Largest package `package.install` copies, unless hearthd is given `--max-package-bytes`. */
export const DEFAULT_MAX_PACKAGE_BYTES = 16 * 1024 ** 3;

const HINT = 'give the path of an .hpk file made by hearth-pack';

export interface PackageFile {
  handle: FileHandle;
  size: number;
}

/**
 * Open a file offered for install and refuse it before anything is copied: not a regular file,
 * larger than `maxBytes`, or first bytes that cannot start an .hpk. The caller copies from the
 * returned handle, so the file checked is the file copied even if the path is replaced meanwhile.
 */
export async function openPackageFile(path: string, maxBytes: number): Promise<PackageFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new HearthError('ARCHIVE_NOT_HPK', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { hint: HINT, cause: error });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new HearthError('ARCHIVE_NOT_HPK', `${path} is not a regular file`, { hint: HINT });
    if (info.size > maxBytes) {
      throw new HearthError('ARCHIVE_OVERSIZE', `${path} is ${info.size} bytes; packages larger than ${maxBytes} bytes are refused`, {
        hint: 'if this package is genuine, start hearthd with a larger --max-package-bytes',
        details: { size: info.size, limit: maxBytes },
      });
    }
    const start = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(start, 0, SNIFF_BYTES, 0);
    const problem = archiveStartProblem(start.subarray(0, bytesRead));
    if (problem !== null) throw new HearthError('ARCHIVE_NOT_HPK', `${path} is not an .hpk: ${problem}`, { hint: HINT });
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
