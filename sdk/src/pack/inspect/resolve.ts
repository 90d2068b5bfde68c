import type { ImageConfig } from '../../contract/paths.js';
import type { DaemonSpec } from '../../daemons.js';
import { HearthError } from '../../errors.js';

/** What a daemon or task runs once its image's config fills in what the package left out (as the container runtime does). */
export interface ResolvedRun {
  /** argv; empty when neither the daemon nor its image names one. */
  command: string[];
  /** Where the command comes from: the daemon's own `command`, or the image's entrypoint + cmd. */
  commandFrom: 'daemon' | 'image';
  user: string;
  userFrom: 'daemon' | 'image';
  workdir: string;
  /** The image's env with the daemon's on top, as `KEY=value`. */
  env: string[];
}

export function resolveRun(spec: Pick<DaemonSpec, 'command' | 'user' | 'workdir' | 'env'>, image: ImageConfig): ResolvedRun {
  const env = new Map<string, string>();
  for (const entry of image.env) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const [key, value] of Object.entries(spec.env)) env.set(key, value);
  return {
    command: spec.command ?? [...(image.entrypoint ?? []), ...(image.cmd ?? [])],
    commandFrom: spec.command === null ? 'image' : 'daemon',
    user: spec.user ?? image.user,
    userFrom: spec.user === null ? 'image' : 'daemon',
    workdir: spec.workdir ?? image.workdir,
    env: [...env].map(([k, v]) => `${k}=${v}`),
  };
}

/**
 * Refuse daemons and tasks that would have nothing to run: no `command`, and an image without
 * entrypoint or cmd. Images whose config is not in `configs` (not built yet) are skipped.
 */
export function assertCommands(specs: readonly DaemonSpec[], configs: ReadonlyMap<string, ImageConfig>): void {
  for (const spec of specs) {
    const image = configs.get(spec.image);
    if (image === undefined || resolveRun(spec, image).command.length > 0) continue;
    throw new HearthError('PACK_FAILED', `${spec.kind} ${spec.id} has no command, and its image ${spec.image} has no entrypoint or cmd`, {
      hint: `give ${spec.id} a command: .${spec.kind === 'task' ? 'addTask' : 'add'}('${spec.id}', { image: '${spec.image}', command: [...] })`,
      details: { daemon: spec.id, image: spec.image },
    });
  }
}
