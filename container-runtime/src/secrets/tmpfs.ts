import { lstat, mkdir, rm, writeFile, chown, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../commands/run-command.js';
import { HearthError, SECRETS_DIR } from '@hearth/sdk/contract';
import { MOUNT_TIMEOUT_MS } from '@hearth/sdk/system';
import { inside } from '../files/transfer.js';
import type { UserIds } from '../daemons/user.js';

/** Secrets and the files rendered from them are small: a bound keeps a package from filling memory through them. */
export const SECRETS_TMPFS_SIZE = '1m';
/** The tmpfs's top: its user may list and read, nobody may add. */
export const SECRETS_DIR_MODE = 0o500;
export const SECRET_FILE_MODE = 0o400;
/** Where files that read a secret live on the tmpfs (bind-mounted read-only at their paths). */
export const RENDERED_FILES_DIR = '.files';

/**
 * `<runDir>/secrets`, the mount point every daemon's `/run/secrets` is: a directory of container
 * root's, made by the runtime at load, before any daemon runs. /run is sticky, so a non-root daemon
 * can neither plant it first nor swap it for a link to elsewhere while a tmpfs is being mounted on
 * it; anything else found there (a link, a file, a daemon's own directory) is removed first.
 */
export async function secretsMountPoint(runDir: string): Promise<string> {
  const dir = join(runDir, SECRETS_DIR.slice('/run/'.length));
  const info = await lstat(dir).catch(() => null);
  if (info !== null && (!info.isDirectory() || info.uid !== 0)) await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  await chmod(dir, 0o755);
  return dir;
}

/**
 * The mount point in a daemon's (or one-off's) root: its `/run` is the container's, shared by all
 * daemons, so the directory is shared; what is mounted on it is not (the root's /run bind is a
 * slave, so a mount there never propagates back, see daemon-root.ts).
 */
async function mountPoint(root: string): Promise<string> {
  return await secretsMountPoint(await inside(root, '/run'));
}

/** A file to put on the tmpfs: a secret at its top, or a rendered file under RENDERED_FILES_DIR. */
export interface TmpfsFile {
  /** Relative to the tmpfs's top. */
  name: string;
  content: string;
  mode: number;
  ids: UserIds;
}

/**
 * Mount a fresh tmpfs at `/run/secrets` in `root` (only this root sees it), write each secret
 * (0400, the user's) and each rendered file, then hand the top to the user read-only. Returns the
 * tmpfs's path; it goes away with the root's unmount. Values never touch a disk or an environment.
 */
export async function mountSecrets(root: string, user: UserIds, secrets: Readonly<Record<string, string>>, files: readonly TmpfsFile[]): Promise<string> {
  const dir = await mountPoint(root);
  const options = `size=${SECRETS_TMPFS_SIZE},mode=0700,nosuid,nodev,noexec`;
  const mounted = await runCommand('mount', ['-t', 'tmpfs', '-o', options, 'hearth-secrets', dir], { timeoutMs: MOUNT_TIMEOUT_MS });
  if (mounted.exitCode !== 0) throw new HearthError('DAEMON_FAILED', `cannot mount the secrets tmpfs at ${SECRETS_DIR}: ${mounted.stderr.trim() || mounted.shortMessage}`);
  for (const [name, value] of Object.entries(secrets)) {
    const file = join(dir, name);
    await writeFile(file, value, { mode: SECRET_FILE_MODE, flag: 'wx' });
    await chown(file, user.uid, user.gid);
  }
  if (files.length > 0) {
    await mkdir(join(dir, RENDERED_FILES_DIR), { mode: SECRETS_DIR_MODE });
    await chown(join(dir, RENDERED_FILES_DIR), user.uid, user.gid);
  }
  for (const file of files) {
    const path = join(dir, file.name);
    await writeFile(path, file.content, { mode: file.mode, flag: 'wx' });
    await chmod(path, file.mode); // writeFile's mode passes through the umask
    await chown(path, file.ids.uid, file.ids.gid);
  }
  await chmod(dir, SECRETS_DIR_MODE);
  await chown(dir, user.uid, user.gid);
  return dir;
}
