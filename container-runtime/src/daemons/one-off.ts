import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_RUN_TIMEOUT_MS, HearthError, MAX_RUN_OUTPUT_BYTES, errorMessage, type ImageConfig, type RunOptions, type RunOutcome } from '@hearth/sdk/contract';
import type { Logger } from '@hearth/sdk/system';
import type { RuntimePaths } from '../paths.js';
import type { NetworkIdentity } from '../mounts/host-files.js';
import { DaemonRoot } from '../mounts/daemon-root.js';
import { provision } from '../files/place.js';
import { DaemonCgroup } from './cgroup.js';
import { daemonArgv, daemonEnv } from './command.js';
import { runExec } from './exec.js';
import { OutputTail } from './output-tail.js';
import { resolveUser } from './user.js';

/** A one-off process may be given at most this long (a longer job belongs in a daemon or task). */
export const MAX_RUN_TIMEOUT_MS = 60 * 60 * 1000;
/** Scratch of one-off processes, apart from daemons' (whose ids cannot start with a dot). */
export const RUNS_SCRATCH = '.runs';

export interface OneOffContext {
  paths: RuntimePaths;
  identity: NetworkIdentity;
  images: ReadonlyMap<string, ImageConfig>;
  volumes: readonly string[];
  /** The service's secret values now. */
  secrets(): Readonly<Record<string, string>>;
  logger: Logger;
}

function invalid(message: string, hint: string): HearthError {
  return new HearthError('INVALID_PARAMS', `one-off process: ${message}`, { hint });
}

/** Checked here, not trusted: options come from package code or from hearthd's caller. */
function check(ctx: OneOffContext, image: string, command: unknown, options: RunOptions): { config: ImageConfig; timeoutMs: number; secrets: Record<string, string> } {
  const config = ctx.images.get(image);
  if (config === undefined) throw invalid(`there is no image ${JSON.stringify(image)}`, `images: ${[...ctx.images.keys()].join(', ')}`);
  if (!Array.isArray(command) || command.length === 0 || !command.every((w) => typeof w === 'string')) throw invalid('the command must be a non-empty array of strings', "run('main', ['sh', '-c', 'echo hi'])");
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_RUN_TIMEOUT_MS) throw invalid(`timeoutMs is ${String(timeoutMs)}`, `give a whole number of ms from 1 to ${MAX_RUN_TIMEOUT_MS}`);
  for (const mount of options.mounts ?? []) {
    if (!ctx.volumes.includes(mount.volume)) throw invalid(`there is no volume ${JSON.stringify(mount.volume)}`, `volumes: ${ctx.volumes.join(', ') || 'none'}`);
    const path: unknown = mount.path;
    if (typeof path !== 'string' || !path.startsWith('/')) throw invalid(`volume ${String(mount.volume)} is mounted at ${JSON.stringify(path)}`, 'give an absolute path');
  }
  const values = ctx.secrets();
  const secrets: Record<string, string> = {};
  for (const name of options.secrets ?? []) {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) throw invalid(`secret ${JSON.stringify(name)} has no value`, `declare it in the manifest and set it with \`hearth secret set <service> ${name}\``);
    secrets[name] = value;
  }
  return { config, timeoutMs, secrets };
}

/**
 * Run `command` in a fresh overlay of `image` (its own writable layer under scratch, the
 * container's /run, the volumes and secrets asked for), as the image's user or `options.user`.
 * At its timeout (or when `signal` aborts) it is killed with all it started; its root is
 * unmounted and removed before this returns, whatever happened.
 */
export async function runOneOff(ctx: OneOffContext, image: string, command: string[], options: RunOptions = {}, signal: AbortSignal = new AbortController().signal): Promise<RunOutcome> {
  const { config, timeoutMs, secrets } = check(ctx, image, command, options);
  const id = `run-${randomBytes(6).toString('hex')}`;
  const volumes = (options.mounts ?? []).map((m) => ({ source: join(ctx.paths.volumesDir, m.volume), target: m.path, readonly: m.readonly ?? false }));
  const root = await DaemonRoot.mount({ scratchDir: join(ctx.paths.scratchDir, RUNS_SCRATCH), daemonId: id, imageDir: join(ctx.paths.imagesDir, image), volumes, runDir: ctx.paths.runDir, identity: ctx.identity });
  const cgroup = await DaemonCgroup.create(id).catch(() => null);
  try {
    const user = await resolveUser(root.root, options.user ?? config.user, { daemon: id, image, what: 'user', code: 'INVALID_PARAMS' });
    if (Object.keys(secrets).length > 0) await provision({ daemon: id, image, root: root.root, user, secrets, files: [] });
    const out = { stdout: new OutputTail(MAX_RUN_OUTPUT_BYTES), stderr: new OutputTail(MAX_RUN_OUTPUT_BYTES) };
    const result = await runExec({
      root: root.root,
      pipeDir: root.dir,
      user,
      cgroupProcs: cgroup?.procsFiles ?? [],
      env: daemonEnv(config, options.env ?? {}),
      command: daemonArgv({ id, command, workdir: options.workdir ?? null }, config),
      timeoutMs,
      onOutput: (stream, data) => out[stream].push(data),
      signal,
    });
    return { ...result, stdout: out.stdout.text(), stderr: out.stderr.text() };
  } finally {
    // What it forked and left (a daemonized child) dies before its root goes away.
    if (cgroup !== null) {
      await cgroup.killAll().catch((error: unknown) => ctx.logger.warn('killing what a one-off process left failed', { run: id, error: errorMessage(error) }));
      const kept = await cgroup.remove().catch((error: unknown) => [errorMessage(error)]);
      if (kept.length > 0) ctx.logger.warn('the cgroup of a one-off process still has processes', { run: id, kept });
    }
    await root.unmount();
  }
}
