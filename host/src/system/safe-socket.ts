import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { HearthError } from '@hearth/sdk/contract';

/** open(2) flags Node does not name (Linux values): an fd for the path itself, neither read nor written; closed on exec. */
const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;

/**
 * Connect to a unix socket that lives in a directory a container writes, without following a link
 * it planted there: the last component is opened with O_PATH|O_NOFOLLOW (a symlink opens as
 * itself), checked to be a socket owned by `owner`, and connected to through /proc/self/fd, which
 * reaches exactly the inode that was checked. The parent directories must be host-owned.
 */
export async function connectOwnedSocket(path: string, owner: number): Promise<Socket> {
  const handle = await open(path, O_PATH | constants.O_NOFOLLOW | O_CLOEXEC);
  try {
    const info = await handle.stat();
    if (!info.isSocket() || info.uid !== owner) {
      const what = info.isSymbolicLink() ? 'a symlink' : info.isSocket() ? `a socket of uid ${info.uid}` : 'not a socket';
      throw new HearthError('CONTAINER_FAILED', `${path} is ${what}; refusing to connect`, {
        hint: 'something in the container replaced its interface socket; restart the service',
        details: { path, uid: info.uid },
      });
    }
    return await new Promise<Socket>((resolve, reject) => {
      const socket = connect(`/proc/self/fd/${handle.fd}`);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  } finally {
    await handle.close();
  }
}
