import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { HearthError } from '@hearth/sdk';

export const MOUNT_TIMEOUT_MS = 10_000;
/** The container's shared filesystems every daemon sees, whatever its image. */
export const SHARED_DIRS = ['proc', 'dev', 'run', 'sys'] as const;

export interface VolumeBind {
  source: string;
  /** Absolute path inside the daemon's root. */
  target: string;
  readonly: boolean;
}

async function mount(args: string[]): Promise<void> {
  const result = await execa('mount', args, { timeout: MOUNT_TIMEOUT_MS, reject: false });
  if (result.exitCode !== 0) {
    throw new HearthError('DAEMON_FAILED', `mount ${args.join(' ')} failed: ${result.stderr || result.shortMessage}`);
  }
}

export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

/**
 * A daemon's root: an overlay of its image (upper/work on scratch, thrown away at stop), the
 * container's /proc /dev /run /sys bound in, and the volumes it asked for.
 */
export class DaemonRoot {
  private constructor(
    readonly dir: string,
    readonly root: string,
  ) {}

  static async mount(scratchDir: string, daemonId: string, imageDir: string, volumes: VolumeBind[]): Promise<DaemonRoot> {
    const dir = join(scratchDir, daemonId);
    const root = join(dir, 'root');
    const handle = new DaemonRoot(dir, root);
    await rm(dir, { recursive: true, force: true });
    for (const sub of ['upper', 'work', 'root']) await mkdir(join(dir, sub), { recursive: true });
    try {
      // userxattr: overlay inside a user namespace must keep its metadata in user.* xattrs.
      await mount(['-t', 'overlay', 'overlay', '-o', `lowerdir=${imageDir},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')},userxattr`, root]);
      for (const shared of SHARED_DIRS) {
        await mkdir(join(root, shared), { recursive: true });
        await mount(['-o', 'rbind', `/${shared}`, join(root, shared)]);
      }
      for (const volume of volumes) {
        const target = join(root, volume.target);
        await mkdir(target, { recursive: true });
        await mount(['-o', 'bind', volume.source, target]);
        if (volume.readonly) await mount(['-o', 'remount,bind,ro', target]);
      }
    } catch (error) {
      await handle.unmount();
      throw error;
    }
    return handle;
  }

  /**
   * Detach the whole tree (overlay, shared binds, volumes) and delete scratch. Scratch is deleted
   * only once nothing is mounted below it: deleting through a bind of /dev or a volume would
   * destroy what it points at.
   */
  async unmount(): Promise<void> {
    if ((await mountsUnder(this.root)).length > 0) {
      await execa('umount', ['-l', this.root], { timeout: MOUNT_TIMEOUT_MS, reject: false });
    }
    const left = await mountsUnder(this.dir);
    if (left.length > 0) throw new HearthError('INTERNAL', `cannot unmount ${left.join(', ')}`, { details: { mounts: left } });
    await rm(this.dir, { recursive: true, force: true });
  }
}
