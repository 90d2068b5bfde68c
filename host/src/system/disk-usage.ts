import { execa } from 'execa';

export const DU_TIMEOUT_MS = 10_000;

/**
 * Bytes of disk a directory tree takes, as `du` counts blocks. The tree is the container's (a
 * volume): du follows no links (-P is its default) and stays on the filesystem (-x); a tree too
 * large to walk in time answers null instead of holding up `hearth stats`.
 */
export async function diskUsage(dir: string): Promise<number | null> {
  const result = await execa('du', ['-s', '-x', '-P', '-B1', dir], { timeout: DU_TIMEOUT_MS, reject: false });
  const bytes = Number(/^(\d+)\s/.exec(result.stdout)?.[1]);
  return result.exitCode === 0 && Number.isSafeInteger(bytes) ? bytes : null;
}
