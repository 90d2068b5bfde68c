import { HearthError, errorMessage } from '../../errors.js';

/** What a failed system call was about, in words (an ENOENT of a source file is "does not exist", not INTERNAL). */
function describe(error: unknown): string {
  const { code, path } = error as NodeJS.ErrnoException;
  const where = path ?? 'a file';
  switch (code) {
    case 'ENOENT':
      return `${where} does not exist`;
    case 'EACCES':
    case 'EPERM':
      return `${where}: permission denied`;
    case 'EISDIR':
      return `${where} is a directory, not a file`;
    case 'ENOTDIR':
      return `${where} is not a directory`;
    case 'ENOSPC':
      return `no space left on the device while writing ${where}`;
    default:
      return errorMessage(error);
  }
}

/**
 * The error of an image's build, naming the image and the manifest field it comes from
 * (`images.app.source.path`). Errors that already name their image pass through; a source's own
 * error may name a sub-field in `details.field` (`tag`), which is appended to `field`.
 */
export function imageError(id: string, field: string, error: unknown, hint?: string): HearthError {
  if (error instanceof HearthError && error.details['image'] !== undefined) return error;
  const sub = error instanceof HearthError && typeof error.details['field'] === 'string' ? `.${error.details['field']}` : '';
  const where = `images.${id}.${field}${sub}`;
  const own = error instanceof HearthError ? error : null;
  return new HearthError(own?.code ?? 'PACK_FAILED', `image ${id} (${where}): ${own ? own.message : describe(error)}`, {
    hint: own?.hint ?? hint ?? `check ${where} in the manifest; paths are relative to the package folder`,
    details: { ...own?.details, image: id, field: where },
    cause: error,
  });
}

/** Run one step of an image's build, naming the image and the field in whatever it throws. */
export async function inImage<T>(id: string, field: string, step: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw imageError(id, field, error, hint);
  }
}
