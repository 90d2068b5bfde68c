import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCommand } from '../commands/run-command.js';
import { HearthError, errorMessage } from '@hearth/sdk/contract';
import { MOUNT_TIMEOUT_MS } from '@hearth/sdk/system';
import { inside } from './transfer.js';
import { placementOf, type RenderedFile } from './render.js';
import { RENDERED_FILES_DIR, mountSecrets, type TmpfsFile } from '../secrets/tmpfs.js';
import { resolveUser, type UserIds } from '../daemons/user.js';

/** O_EXCL never follows a link in the last component; the temp name is fresh, then renamed over the target. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Write `content` at `target` (already resolved inside the root) as a new file renamed into
 * place: a link the image planted at the target is replaced, never written through.
 */
export async function writeNewFile(target: string, content: string, mode: number, ids: UserIds): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.hearth-${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, CREATE_NEW, 0o600);
  try {
    await handle.writeFile(content);
    await handle.chown(ids.uid, ids.gid);
    await handle.chmod(mode);
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(tmp, target);
}

async function bindReadonly(source: string, target: string): Promise<void> {
  for (const args of [['--bind', source, target], ['-o', 'remount,bind,ro', target]]) {
    const result = await runCommand('mount', args, { timeoutMs: MOUNT_TIMEOUT_MS });
    if (result.exitCode !== 0) {
      throw new HearthError('DAEMON_FAILED', `mount ${args.join(' ')} failed: ${result.stderr.trim() || result.shortMessage}`, { hint: 'see runtime.log in the service’s log folder' });
    }
  }
}

/**
 * Where a file of the daemon goes: its directory resolved inside the root as the daemon would see
 * it (an image's links stay inside), its last component kept, so a link there is replaced.
 */
export async function fileTarget(root: string, path: string): Promise<string> {
  const parent = posix.dirname(path);
  return join(parent === '/' ? root : await inside(root, parent), basename(path));
}

export interface ProvisionRequest {
  daemon: string;
  image: string;
  /** The mounted root. */
  root: string;
  user: UserIds;
  /** Values of the secrets it names. */
  secrets: Readonly<Record<string, string>>;
  files: readonly RenderedFile[];
}

/**
 * Before a daemon's run: its secrets on a tmpfs of its own at /run/secrets, files that read a
 * secret on that tmpfs bind-mounted read-only at their paths, and other files in its writable
 * layer. Paths resolve inside the root as the daemon would see them; a failure names the file.
 */
export async function provision(request: ProvisionRequest): Promise<void> {
  const { root, user } = request;
  const owner = async (file: RenderedFile): Promise<UserIds> =>
    file.owner === null ? user : await resolveUser(root, file.owner, { daemon: request.daemon, image: request.image, what: `owner of file ${file.path}`, code: 'MANIFEST_INVALID' });
  const onTmpfs = request.files.filter((f) => placementOf(f) === 'secrets-tmpfs');
  const tmpfsFiles: TmpfsFile[] = [];
  for (const [index, file] of onTmpfs.entries()) tmpfsFiles.push({ name: join(RENDERED_FILES_DIR, String(index)), content: file.content, mode: file.mode, ids: await owner(file) });
  const tmpfs = Object.keys(request.secrets).length > 0 || onTmpfs.length > 0 ? await mountSecrets(root, user, request.secrets, tmpfsFiles) : null;
  for (const file of request.files) {
    try {
      const target = await fileTarget(root, file.path);
      if (placementOf(file) === 'layer') {
        await writeNewFile(target, file.content, file.mode, await owner(file));
      } else if (tmpfs !== null) {
        await writeNewFile(target, '', 0o444, { uid: 0, gid: 0 }); // something to bind onto
        await bindReadonly(join(tmpfs, RENDERED_FILES_DIR, String(onTmpfs.indexOf(file))), target);
      }
    } catch (error) {
      throw new HearthError('DAEMON_FAILED', `daemon ${request.daemon}: cannot write file ${file.path}: ${errorMessage(error)}`, {
        hint: 'write files at paths that are files (or nothing) in the image',
        details: { daemon: request.daemon, file: file.path },
      });
    }
  }
}
