import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { HearthError, errorMessage, type ErrorCode } from '@hearth/sdk/contract';
import { inside } from '../files/transfer.js';

/** /etc/passwd and /etc/group larger than this are not read (no real image comes near it). */
export const MAX_ACCOUNT_FILE_BYTES = 1024 * 1024;

export interface UserIds {
  uid: number;
  gid: number;
}

export const ROOT: UserIds = { uid: 0, gid: 0 };

/** Who asks, for the error: `user` of daemon web (image main), or `owner of volume data`. */
export interface UserQuery {
  daemon: string;
  image: string;
  /** What the value is: `user`, `exec --user`, `owner of volume data`. */
  what: string;
  /** MANIFEST_INVALID for the package's own values, INVALID_PARAMS for a caller's. */
  code: ErrorCode;
}

/**
 * A file of the image as a process chrooted into `root` would read it, or '' when it is missing.
 * The root is writable by the daemon, so links resolve inside it, and a FIFO, a device or an
 * oversized file is refused instead of read (one would hang the runtime, the other fill it).
 */
export async function readImageFile(root: string, path: string, maxBytes = MAX_ACCOUNT_FILE_BYTES): Promise<string> {
  let handle;
  try {
    handle = await open(await inside(root, path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return '';
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new HearthError('DAEMON_FAILED', `${path} in the image is not a regular file`);
    if (info.size > maxBytes) throw new HearthError('DAEMON_FAILED', `${path} in the image is ${info.size} bytes; at most ${maxBytes} are read`);
    const buffer = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(buffer, 0, info.size, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function field(file: string, matches: (parts: string[]) => boolean, index: number): number | null {
  for (const line of file.split('\n')) {
    const parts = line.split(':');
    const value = parts[index];
    if (matches(parts) && value !== undefined && /^\d+$/.test(value)) return Number(value);
  }
  return null;
}

/**
 * `uid[:gid]` or `name[:group]`, names looked up in the image's /etc/passwd and /etc/group as
 * Docker does: a user's primary group unless a group is given; a uid the image does not list
 * gets the gid of the same number. `root`, `0` and '' are root.
 */
export async function resolveUser(root: string, user: string, query: UserQuery): Promise<UserIds> {
  if (user === '' || user === 'root') return ROOT;
  const fail = (message: string): never => {
    throw new HearthError(query.code, `daemon ${query.daemon} (image ${query.image}): ${query.what} ${JSON.stringify(user)}: ${message}`, {
      hint: 'use a numeric uid[:gid], or a user and group that the image defines',
      details: { daemon: query.daemon, image: query.image, user },
    });
  };
  const parts = user.split(':');
  const [who = '', group] = parts;
  if (parts.length > 2 || who === '' || group === '') fail('expected uid[:gid] or user[:group]');
  let passwd = '';
  let groups = '';
  try {
    passwd = await readImageFile(root, '/etc/passwd');
    if (group !== undefined && !/^\d+$/.test(group)) groups = await readImageFile(root, '/etc/group');
  } catch (error) {
    fail(`cannot read the image's accounts: ${errorMessage(error)}`);
  }
  const numeric = /^\d+$/.test(who);
  const uid = numeric ? Number(who) : field(passwd, (p) => p[0] === who, 2);
  if (uid === null) return fail(`no such user in the image's /etc/passwd`);
  let gid = (numeric ? field(passwd, (p) => p[2] === who, 3) : field(passwd, (p) => p[0] === who, 3)) ?? uid;
  if (group !== undefined) {
    const byName = /^\d+$/.test(group) ? Number(group) : field(groups, (p) => p[0] === group, 2);
    if (byName === null) return fail(`no such group in the image's /etc/group`);
    gid = byName;
  }
  return { uid, gid };
}

/** `--userspec` for chroot, or null for root:root (no switch). */
export function userspecOf(ids: UserIds): string | null {
  return ids.uid === 0 && ids.gid === 0 ? null : `${ids.uid}:${ids.gid}`;
}
