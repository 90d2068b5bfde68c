import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { HearthError } from '../../errors.js';
import type { ImageSource } from '../../manifest.js';

export const DEBOOTSTRAP_TIMEOUT_MS = 60 * 60_000;
/** Lines of debootstrap's output quoted in an error. */
const ERROR_TAIL_LINES = 3;

/** A Debian system from Debian's repositories, built into `target` (needs root: it chroots and keeps owners). */
export async function debootstrap(source: Extract<ImageSource, { type: 'debootstrap' }>, target: string, owners: boolean): Promise<void> {
  if (!owners) throw new HearthError('PACK_FAILED', 'debootstrap needs root', { hint: 'run hearth-pack as root (sudo) for debootstrap images' });
  // debootstrap is a shell script that splits its target path on whitespace.
  if (/\s/.test(target)) {
    throw new HearthError('PACK_FAILED', `debootstrap cannot build into ${JSON.stringify(target)}: the path has whitespace`, {
      hint: 'set HEARTH_PACK_CACHE to a folder without spaces (debootstrap builds there), or unset it for the default',
      details: { path: target },
    });
  }
  const args = [`--variant=${source.variant ?? 'minbase'}`, ...(source.packages?.length ? [`--include=${source.packages.join(',')}`] : []), source.suite, target, source.mirror ?? 'http://deb.debian.org/debian'];
  const result = await execa('debootstrap', args, { timeout: DEBOOTSTRAP_TIMEOUT_MS, reject: false, all: true });
  if (result.exitCode !== 0) {
    const tail = (result.all ?? result.shortMessage).split('\n').slice(-ERROR_TAIL_LINES).join(' | ');
    throw new HearthError('PACK_FAILED', `debootstrap ${source.suite} failed: ${tail}`, {
      hint: 'install debootstrap (apt-get install debootstrap), check the suite and package names, and that the mirror is reachable',
    });
  }
  await rm(join(target, 'var/cache/apt/archives'), { recursive: true, force: true }); // downloaded .debs: not needed at run time
  await mkdir(join(target, 'var/cache/apt/archives/partial'), { recursive: true });
}
