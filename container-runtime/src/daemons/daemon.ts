import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { HearthError, errorMessage } from '@hearth/sdk/contract';
import type { DaemonSpec, DaemonStatus, ImageConfig, LogEntry } from '@hearth/sdk/contract';
import type { Logger } from '../log.js';
import type { RuntimePaths } from '../paths.js';
import { DaemonRoot } from '../mounts/daemon-root.js';
import { tcpPortAnswers } from '../health/tcp.js';

export const STOP_TIMEOUT_MS = 10_000;
export const KILL_WAIT_MS = 5_000;
export const MAX_LINE_CHARS = 16 * 1024;
export const LAST_LINES_KEPT = 10;

export interface DaemonEvents {
  onStatus(status: DaemonStatus): void;
  onLog(entry: LogEntry): void;
}

/** argv for a daemon: its command, or the image's entrypoint + cmd; `cd` first when the image has a workdir. */
export function daemonArgv(spec: Pick<DaemonSpec, 'id' | 'command'>, image: ImageConfig): string[] {
  const argv = spec.command ?? [...(image.entrypoint ?? []), ...(image.cmd ?? [])];
  if (argv.length === 0) {
    throw new HearthError('MANIFEST_INVALID', `daemon ${spec.id} has no command and its image has no entrypoint or cmd`, {
      hint: 'give the daemon a command',
    });
  }
  if (image.workdir === '/' || image.workdir === '') return argv;
  // chroot(1) always starts in /; a shell moves to the workdir and execs, leaving no shell behind.
  return ['/bin/sh', '-c', 'cd "$0" && exec "$@"', image.workdir, ...argv];
}

function imageEnv(image: ImageConfig, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of image.env) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { ...env, ...extra };
}

/** One daemon: its root filesystem, its process group, its readiness, its state as the host sees it. */
export class Daemon {
  private status: DaemonStatus;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private root: DaemonRoot | null = null;
  private readiness: NodeJS.Timeout | null = null;
  private readonly lastLines: string[] = [];
  private stopping = false;

  constructor(
    readonly spec: DaemonSpec,
    private readonly image: ImageConfig,
    private readonly paths: RuntimePaths,
    private readonly events: DaemonEvents,
    private readonly logger: Logger,
  ) {
    this.status = { id: spec.id, state: 'waiting', since: Date.now() };
  }

  get state(): DaemonStatus {
    return { ...this.status };
  }

  private set(update: Omit<DaemonStatus, 'id' | 'since'>): void {
    this.status = { id: this.spec.id, since: Date.now(), ...update };
    this.events.onStatus(this.state);
  }

  waitFor(ids: string[]): void {
    this.set({ state: 'waiting', message: `waiting for ${ids.join(', ')} to be ready` });
  }

  async start(): Promise<void> {
    this.stopping = false;
    try {
      const argv = daemonArgv(this.spec, this.image);
      this.root = await DaemonRoot.mount(
        this.paths.scratchDir,
        this.spec.id,
        join(this.paths.imagesDir, this.spec.image),
        this.spec.mounts.map((m) => ({ source: join(this.paths.volumesDir, m.volume), target: m.path, readonly: m.readonly })),
      );
      this.spawn(this.root.root, argv);
    } catch (error) {
      this.set({ state: 'failed', message: `could not start: ${errorMessage(error)}` });
      await this.releaseRoot();
      throw error;
    }
  }

  private spawn(root: string, argv: string[]): void {
    // node:child_process rather than execa: a long-lived process in its own group (detached) whose
    // output we stream line by line and whose exit we report, not a command we await.
    const child = spawn('chroot', [root, ...argv], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: imageEnv(this.image, this.spec.env),
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.on('error', (error) => this.logger.error('daemon process error', { error: error.message }));
    for (const [stream, source] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
      if (!source) continue;
      createInterface({ input: source, crlfDelay: Infinity }).on('line', (raw) => {
        const line = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)}…` : raw;
        this.lastLines.push(line);
        if (this.lastLines.length > LAST_LINES_KEPT) this.lastLines.shift();
        this.events.onLog({ daemon: this.spec.id, stream, line, time: Date.now() });
      });
    }
    child.once('exit', (code, signal) => this.onExit(code, signal));
    this.set({ state: 'starting', ...(child.pid !== undefined && { pid: child.pid }), message: 'started; waiting for its readiness check' });
    this.watchReadiness();
  }

  private watchReadiness(): void {
    const check = this.spec.ready;
    if (check === null) {
      this.set({ state: 'ready', ...(this.child?.pid !== undefined && { pid: this.child.pid }) });
      return;
    }
    const poll = (): void => {
      this.readiness = null;
      void tcpPortAnswers(check.port, check.timeoutMs).then((ok) => {
        if (this.status.state !== 'starting') return;
        if (ok) this.set({ state: 'ready', ...(this.child?.pid !== undefined && { pid: this.child.pid }) });
        else this.readiness = setTimeout(poll, check.intervalMs);
      });
    };
    poll();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.clearReadiness();
    this.child = null;
    if (this.stopping) return;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code ?? '?'}`;
    const wasReady = this.status.state === 'ready';
    const tail = this.lastLines.length > 0 ? `; last output: ${this.lastLines.slice(-3).join(' | ')}` : '';
    this.set({
      state: 'failed',
      message: `${how}${wasReady ? '' : ' before it was ready'}${tail}`,
      ...(code !== null && { exitCode: code }),
      ...(signal !== null && { signal }),
    });
  }

  private clearReadiness(): void {
    if (this.readiness) clearTimeout(this.readiness);
    this.readiness = null;
  }

  /** SIGTERM to the whole process group, SIGKILL after STOP_TIMEOUT_MS; then unmount and clear scratch. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clearReadiness();
    const child = this.child;
    if (child?.pid !== undefined) {
      this.set({ state: 'stopping', pid: child.pid });
      signalGroup(child.pid, 'SIGTERM');
      if (!(await settlesWithin(this.exited, STOP_TIMEOUT_MS))) {
        this.logger.warn('daemon ignored SIGTERM; killing it', { daemon: this.spec.id, timeoutMs: STOP_TIMEOUT_MS });
        signalGroup(child.pid, 'SIGKILL');
        await settlesWithin(this.exited, KILL_WAIT_MS);
      }
    }
    await this.releaseRoot();
    if (this.status.state !== 'failed') this.set({ state: 'stopped' });
  }

  private async releaseRoot(): Promise<void> {
    const root = this.root;
    this.root = null;
    await root?.unmount();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // already gone is fine
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
