import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { HearthError } from '@hearth/sdk';
import { errorMessage } from '@hearth/sdk/contract';
import { MOUNT_TIMEOUT_MS, pointsUnder, readMountTable } from '@hearth/sdk/system';
import { inside } from '../files/transfer.js';
import { etcFiles, type NetworkIdentity } from './host-files.js';
import { runCommand } from '../commands/run-command.js';

/** The container's shared filesystems every daemon sees, whatever its image. */
export const SHARED_DIRS = ['proc', 'dev', 'run', 'sys'] as const;

export interface VolumeBind {
  source: string;
  /** Absolute path inside the daemon's root. */
  target: string;
  readonly: boolean;
}

/** A word for sh, single-quoted. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A file hearth puts into the daemon's root, replacing the image's (a link there included). */
export interface RootFile {
  source: string;
  /** Absolute path inside the daemon's root, resolved in the image. */
  target: string;
}

/**
 * The mounts that make a daemon's root, as one shell script: one process per daemon instead of
 * one per mount (five or more), which is most of a daemon's start time. Inside, every command is
 * a process too (about 10 ms of CPU each on a small machine), so they are batched where the order
 * allows: one `mkdir`, `rm` and `cp` for hearth's files, one `mkdir` for the shared dirs and one
 * recursive `--make-rslave` after their binds. `set -e` stops at the first failure, whose message
 * mount prints. Files go in before anything is bound in: nothing runs in the root yet, and `rm`
 * then `cp` never writes through a link of the image.
 */
export function rootMountScript(
  dir: string,
  imageDir: string,
  volumes: VolumeBind[],
  shared: SharedBind[] = SHARED_DIRS.map((d) => ({ source: `/${d}`, target: `/${d}` })),
  files: RootFile[] = [],
): string {
  const root = join(dir, 'root');
  const q = shellQuote;
  // userxattr: overlay inside a user namespace must keep its metadata in user.* xattrs.
  const lines = [`mount -t overlay overlay -o ${q(`lowerdir=${imageDir},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')},userxattr`)} ${q(root)}`];
  // Under a shared scratch the overlay joins a peer group: private, what is bound into it later (a
  // rendered file from the secrets tmpfs) shows nowhere else.
  lines.push(`mount --make-private ${q(root)}`);
  lines.push(...fileLines(root, files));
  // A slave of the container's: what is mounted under it later (a daemon's secrets tmpfs on /run)
  // never propagates back to the container's /run, nor to the other daemons' binds of it.
  const targets = shared.map((b) => join(root, b.target));
  if (targets.some((a) => targets.some((b) => a.startsWith(`${b}/`)))) {
    // One inside another (an image's odd links): each is a slave before the next is bound into it.
    for (const [i, { source }] of shared.entries()) lines.push(`mkdir -p ${q(targets[i] ?? '')}`, `mount -o rbind ${q(source)} ${q(targets[i] ?? '')}`, `mount --make-rslave ${q(targets[i] ?? '')}`);
  } else if (shared.length > 0) {
    lines.push(`mkdir -p ${targets.map(q).join(' ')}`);
    for (const [i, { source }] of shared.entries()) lines.push(`mount -o rbind ${q(source)} ${q(targets[i] ?? '')}`);
    // Recursive from the private overlay (which stays private): each bind tree becomes a slave at once.
    lines.push(`mount --make-rslave ${q(root)}`);
  }
  for (const volume of volumes) {
    const target = join(root, volume.target);
    lines.push(`mkdir -p ${q(target)}`, `mount -o bind ${q(volume.source)} ${q(target)}`);
    if (volume.readonly) lines.push(`mount -o remount,bind,ro ${q(target)}`);
  }
  return lines.join('\n');
}

/**
 * hearth's files into the root: their dirs made, whatever the image has at their paths removed
 * (a link included), then copied, one `cp` per directory where the names match.
 */
function fileLines(root: string, files: RootFile[]): string[] {
  if (files.length === 0) return [];
  const q = shellQuote;
  const at = files.map((f) => ({ source: f.source, to: join(root, f.target) }));
  const dirs = [...new Set(at.map((f) => dirname(f.to)))];
  const lines = [`mkdir -p ${dirs.map(q).join(' ')}`, `rm -f ${at.map((f) => q(f.to)).join(' ')}`];
  for (const dir of dirs) {
    const here = at.filter((f) => dirname(f.to) === dir);
    const sameNames = here.every((f) => basename(f.source) === basename(f.to));
    if (sameNames) lines.push(`cp ${here.map((f) => q(f.source)).join(' ')} ${q(`${dir}/`)}`);
    else for (const f of here) lines.push(`cp ${q(f.source)} ${q(f.to)}`);
  }
  return lines;
}

export interface SharedBind {
  source: string;
  target: string;
}

/**
 * Where `path` really is in an image, as a process chrooted into it would find it: an image's
 * symlink (`/data -> /media/hearth/host`, `/run -> ../../..`) resolves inside the image's root,
 * never onto the runtime's own files. Resolved against the image itself: the writable layer is
 * empty when a daemon's root is first mounted.
 */
export async function resolveInImage(imageDir: string, path: string, daemonId: string): Promise<string> {
  try {
    return `/${relative(imageDir, await inside(imageDir, path))}`;
  } catch (error) {
    throw new HearthError('DAEMON_FAILED', `daemon ${daemonId} cannot mount at ${path}: ${errorMessage(error)}`, {
      hint: 'mount it at a path that is a directory (or nothing) in the image',
      details: { daemon: daemonId, path },
    });
  }
}

export async function mountsUnder(dir: string): Promise<string[]> {
  return pointsUnder(await readMountTable(), dir);
}

export interface RootOptions {
  scratchDir: string;
  daemonId: string;
  imageDir: string;
  volumes: VolumeBind[];
  /** The container's /run (bound into every daemon's root). */
  runDir: string;
  /** What /etc/hosts, /etc/hostname and /etc/resolv.conf say. */
  identity: NetworkIdentity;
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

  static async mount(options: RootOptions): Promise<DaemonRoot> {
    const { scratchDir, daemonId, imageDir, volumes } = options;
    const dir = join(scratchDir, daemonId);
    const root = join(dir, 'root');
    const handle = new DaemonRoot(dir, root);
    await rm(dir, { recursive: true, force: true });
    for (const sub of ['upper', 'work', 'root', 'etc']) await mkdir(join(dir, sub), { recursive: true });
    // The link itself is replaced where the image has one (resolv.conf -> /run/systemd/…): only /etc is resolved.
    const etc = await resolveInImage(imageDir, '/etc', daemonId);
    const files: RootFile[] = [];
    for (const [name, content] of Object.entries(etcFiles(options.identity))) {
      await writeFile(join(dir, 'etc', name), content, { mode: 0o644 });
      files.push({ source: join(dir, 'etc', name), target: join(etc, name) });
    }
    const sources: Record<(typeof SHARED_DIRS)[number], string> = { proc: '/proc', dev: '/dev', run: options.runDir, sys: '/sys' };
    const shared = await Promise.all(SHARED_DIRS.map(async (d) => ({ source: sources[d], target: await resolveInImage(imageDir, `/${d}`, daemonId) })));
    const resolved = await Promise.all(volumes.map(async (v) => ({ ...v, target: await resolveInImage(imageDir, v.target, daemonId) })));
    const result = await runCommand('sh', ['-ec', rootMountScript(dir, imageDir, resolved, shared, files)], { timeoutMs: MOUNT_TIMEOUT_MS });
    if (result.exitCode !== 0) {
      await handle.unmount();
      throw new HearthError('DAEMON_FAILED', `mounting the root of daemon ${daemonId} failed: ${result.stderr.trim() || result.shortMessage}`, {
        details: { daemon: daemonId, image: imageDir },
      });
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
      await runCommand('umount', ['-l', this.root], { timeoutMs: MOUNT_TIMEOUT_MS });
    }
    const left = await mountsUnder(this.dir);
    if (left.length > 0) throw new HearthError('INTERNAL', `cannot unmount ${left.join(', ')}`, { details: { mounts: left } });
    await rm(this.dir, { recursive: true, force: true });
  }
}
