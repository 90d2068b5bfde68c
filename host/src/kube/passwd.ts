import { execa } from 'execa';

/** /etc/passwd of an image is small; a bigger one is not read. */
const MAX_PASSWD_BYTES = 1024 * 1024;
const UNSQUASHFS_TIMEOUT_MS = 30_000;

/** `{ uid, gid }` of `name` in passwd text, or null. */
export function lookupUser(passwd: string, name: string): { uid: number; gid: number } | null {
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid)) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/**
 * An image's /etc/passwd read straight out of the archive (the squashfs at its offset), without
 * mounting or unpacking it; '' when it has none.
 */
export async function readPasswd(archive: string, offset: number): Promise<string> {
  const result = await execa('unsquashfs', ['-o', String(offset), '-cat', archive, 'etc/passwd'], {
    reject: false,
    timeout: UNSQUASHFS_TIMEOUT_MS,
    maxBuffer: MAX_PASSWD_BYTES,
    encoding: 'utf8',
    stdin: 'ignore',
  });
  return result.exitCode === 0 ? result.stdout : '';
}
