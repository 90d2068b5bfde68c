import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { HearthError, dict, type DaemonSpec, type ImageConfig } from '@hearth/sdk/contract';

/**
 * coreutils chroot (in the base rootfs): unlike busybox's it can switch user (`--userspec`).
 * Resolved once by the runtime's own PATH: children are spawned with the daemon's environment,
 * and an image's PATH (often without sbin) must not decide where the runtime's tools are.
 */
export const CHROOT = existsSync('/usr/lib/hearth/chroot') ? '/usr/lib/hearth/chroot' : onPath('chroot');

/** The first executable `name` on PATH, or `name` itself (spawning it then reports ENOENT). */
export function onPath(name: string, path = process.env['PATH'] ?? ''): string {
  for (const dir of path.split(':')) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return name;
}

/** argv for a daemon: its command, or the image's entrypoint + cmd; `cd` first when there is a workdir. */
export function daemonArgv(spec: Pick<DaemonSpec, 'id' | 'command' | 'workdir'>, image: ImageConfig): string[] {
  const argv = spec.command ?? [...(image.entrypoint ?? []), ...(image.cmd ?? [])];
  if (argv.length === 0) {
    throw new HearthError('MANIFEST_INVALID', `daemon ${spec.id} has no command and its image has no entrypoint or cmd`, {
      hint: 'give the daemon a command',
    });
  }
  const workdir = spec.workdir ?? image.workdir;
  if (workdir === '/' || workdir === '') return argv;
  // chroot(1) always starts in /; a shell moves to the workdir and execs, leaving no shell behind.
  return ['/bin/sh', '-c', 'cd "$0" && exec "$@"', workdir, ...argv];
}

export function daemonEnv(image: ImageConfig, extra: Record<string, string>): Record<string, string> {
  const env = dict<string>(); // names come from the image: __proto__ stays a variable
  for (const entry of image.env) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...env, ...extra };
}

/** The full argv to spawn: chroot into the root, as the user, then the daemon's argv. */
export function chrootArgv(root: string, userspec: string | null, argv: string[]): string[] {
  return [...(userspec ? [`--userspec=${userspec}`, '--groups=' + (userspec.split(':')[1] ?? '')] : []), root, ...argv];
}
