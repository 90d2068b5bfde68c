import { join } from 'node:path';
import { Backoff, HearthError, errorMessage, type DaemonSpec, type DaemonStatus, type DaemonUsage, type ExecResult, type HealthCheckSpec, type ImageConfig } from '@hearth/sdk/contract';
import type { Logger } from '@hearth/sdk/system';
import { prepareOwnership } from '../mounts/ownership.js';
import { chrootArgv, daemonArgv, daemonEnv } from './command.js';
import { killLeftovers, type DaemonContext, type DaemonEvents, type ExecRequest, type MountedRoot, type OwnCgroup } from './deps.js';
import { runExec } from './exec.js';
import { QUOTED_LINES, exitFailed, exitReport, type StatusUpdate } from './exit-report.js';
import { HealthLoop, readinessUpdate } from './health-loop.js';
import { MEMORY_CGROUP, oomProbe } from './oom.js';
import type { Exit, RunningProcess } from './process.js';
import { resolveUser, userspecOf, type UserIds } from './user.js';
import { settlesWithin } from './settles.js';

export const KILL_WAIT_MS = 5_000;
export const LAST_LINES_KEPT = 20;

/**
 * One daemon or task: its root filesystem, its process group, its health, its restarts, and its
 * state as the host sees it. Callbacks of an earlier run are ignored by generation number.
 */
export class Daemon {
  private status: DaemonStatus;
  private proc: RunningProcess | null = null;
  /** The current run's exit, once what it left in the daemon's cgroup is killed too. */
  private ended: Promise<Exit> | null = null;
  private root: MountedRoot | null = null;
  /** Who it runs as, resolved in its root when that is mounted. */
  private user: UserIds | null = null;
  /** Its own cgroup, for usage; null where the container cannot have one; made at the first start. */
  private cgroup: OwnCgroup | null | undefined = undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private loops: HealthLoop[] = [];
  private readonly backoff: Backoff;
  private readonly lastLines: string[] = [];
  private generation = 0;
  private wanted = false;
  private livenessKill: string | null = null;
  /** Requirements that stopped being ready while this kept running (shown as waiting). */
  private lost: string[] = [];

  constructor(
    readonly spec: DaemonSpec,
    private readonly image: ImageConfig,
    private readonly context: DaemonContext,
    private readonly events: DaemonEvents,
    private readonly logger: Logger,
  ) {
    this.status = { id: spec.id, kind: spec.kind, requires: [...spec.requires], state: 'waiting', since: Date.now() };
    this.backoff = new Backoff(spec.restart);
  }

  /** The real state, for deciding whether dependents may start. */
  get state(): DaemonStatus {
    return { ...this.status };
  }

  /** What the host is shown: a running daemon whose requirement was lost shows as waiting. */
  get shown(): DaemonStatus {
    if (this.lost.length === 0 || this.proc === null) return this.state;
    return { ...this.status, state: 'waiting', message: `waiting for ${this.lost.join(', ')} to be ready again; still running` };
  }

  /** The lines it wrote last (for a crash hook). */
  get recentLines(): string[] {
    return [...this.lastLines];
  }

  /** `daemon web (image main)`: how errors name it. */
  get label(): string {
    return `daemon ${this.spec.id} (image ${this.spec.image})`;
  }

  private set(update: StatusUpdate): void {
    this.status = { id: this.spec.id, kind: this.spec.kind, requires: [...this.spec.requires], since: Date.now(), ...update };
    this.events.onStatus(this.shown);
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Timers and health checks of the current run. */
  private clearRun(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const loop of this.loops) loop.stop();
    this.loops = [];
  }

  /** Not started, waiting for these requirements (only the unmet ones); said again only when they change. */
  waitFor(ids: string[]): void {
    const message = `waiting for ${ids.join(', ')}`;
    if (this.status.state === 'waiting' && this.status.message === message) return;
    this.set({ state: 'waiting', message });
  }

  setLostRequirements(ids: string[]): void {
    if (ids.join() === this.lost.join()) return;
    this.lost = ids;
    this.events.onStatus(this.shown);
  }

  /** True from `start` until `stop`/`pause`: it is running, or being started. */
  get active(): boolean {
    return this.wanted;
  }

  async start(): Promise<void> {
    if (this.wanted) return; // already started or starting; reconcile may ask twice
    this.wanted = true;
    this.lost = [];
    try {
      if (this.root === null) {
        const { paths, identity } = this.context;
        const volumes = this.spec.mounts.map((m) => ({ source: join(paths.volumesDir, m.volume), target: m.path, readonly: m.readonly }));
        const imageDir = join(paths.imagesDir, this.spec.image);
        this.root = await this.context.deps.mountRoot({ scratchDir: paths.scratchDir, daemonId: this.spec.id, imageDir, volumes, runDir: paths.runDir, identity });
        this.user = await resolveUser(this.root.root, this.spec.user ?? this.image.user, { daemon: this.spec.id, image: this.spec.image, what: 'user', code: 'MANIFEST_INVALID' });
        const set = await prepareOwnership(this.spec, this.root.root, this.user, this.context.paths);
        for (const volume of set) this.logger.info('volume owner set', { daemon: this.spec.id, volume });
        // Rendered at every start (a mount), not at a restart after a crash: the root is kept then.
        const inputs = (await this.context.inputs?.(this.spec)) ?? { files: [], secrets: {} };
        await this.context.deps.provision({ daemon: this.spec.id, image: this.spec.image, root: this.root.root, user: this.user, ...inputs });
      }
      if (this.cgroup === undefined) {
        this.cgroup = await this.context.deps.createCgroup(this.spec.id).catch((error: unknown) => {
          this.logger.warn('no cgroup of its own: its usage is counted with the service only', { daemon: this.spec.id, error: errorMessage(error) });
          return null;
        });
      }
      await this.spawn();
    } catch (error) {
      this.wanted = false;
      this.set({ state: 'failed', message: `could not start: ${errorMessage(error)}` });
      await this.releaseRoot().catch((cleanup: unknown) => this.logger.error('unmounting its root failed', { daemon: this.spec.id, error: errorMessage(cleanup) }));
      await this.releaseCgroup();
      throw error;
    }
  }

  private async spawn(): Promise<void> {
    const root = this.root;
    const user = this.user;
    if (root === null || user === null || !this.wanted) return;
    const generation = ++this.generation;
    const userspec = userspecOf(user);
    const env = daemonEnv(this.image, this.spec.env);
    const outOfMemory = await oomProbe(this.cgroup?.memoryDir ?? MEMORY_CGROUP);
    const onLine = (stream: 'stdout' | 'stderr', line: string): void => {
      this.lastLines.push(line);
      if (this.lastLines.length > LAST_LINES_KEPT) this.lastLines.shift();
      this.events.onLog({ daemon: this.spec.id, stream, line, time: Date.now() });
    };
    const cgroupProcs = this.cgroup?.procsFiles ?? [];
    const cgroup = this.cgroup ?? null;
    const proc = await this.context.deps.spawn({ args: chrootArgv(root.root, userspec, daemonArgv(this.spec, this.image)), env, onLine, cgroupProcs, pipeDir: root.dir, owner: user });
    if (generation !== this.generation) {
      proc.signal('SIGKILL'); // stopped while it was being spawned
      return;
    }
    const ended = proc.exited.then(async (exit) => {
      await this.killLeftovers(cgroup, proc);
      return exit;
    });
    this.proc = proc;
    this.ended = ended;
    this.livenessKill = null;
    ended
      .then(async (exit) => this.onExit(generation, proc, exit, await outOfMemory(exit)))
      .catch((error: unknown) => {
        this.logger.error('handling the end of a run failed', { daemon: this.spec.id, error: errorMessage(error) });
        if (generation === this.generation) this.set({ state: 'failed', message: `its exit could not be handled: ${errorMessage(error)}` });
      });
    if (this.spec.kind === 'task') {
      this.set({ state: 'starting', pid: proc.pid, message: 'running', restarts: this.backoff.crashes });
      return;
    }
    const where = { root: root.root, userspec, env, cgroupProcs };
    if (this.spec.ready === null) this.set({ state: 'ready', pid: proc.pid, restarts: this.backoff.crashes });
    else {
      this.set({ state: 'starting', pid: proc.pid, message: 'waiting for its readiness check', restarts: this.backoff.crashes });
      this.watch(this.spec.ready, 'ready', where);
    }
    if (this.spec.live) this.watch(this.spec.live, 'live', where);
  }

  /** Readiness moves the state; liveness kills on failure. The loop ends with the run. */
  private watch(check: HealthCheckSpec, role: 'ready' | 'live', where: { root: string; userspec: string | null; env: Record<string, string>; cgroupProcs: readonly string[] }): void {
    const loop = new HealthLoop({
      check,
      role,
      where,
      checkFunction: (ref) => this.context.checkFunction(ref),
      logger: this.logger,
      onResult: (health, result, tracker) => {
        const proc = this.proc;
        if (proc === null) return;
        if (!result.ok && result.cannotRun === true) {
          loop.stop();
          this.failUncheckable(role, result.message);
        } else if (role === 'ready') {
          const update = readinessUpdate(health, result.ok, tracker.message, this.status.state);
          if (update !== null) this.set({ ...update, pid: proc.pid, restarts: this.backoff.crashes });
        } else if (health === 'not-ready') {
          this.livenessKill = `liveness check failed: ${tracker.message}`;
          this.logger.warn('liveness check failed; restarting', { daemon: this.spec.id, reason: tracker.message });
          loop.stop();
          proc.signal('SIGKILL');
        }
      },
    });
    this.loops.push(loop.start());
  }

  /**
   * A check that cannot run (its command is not in the image, its function not in the package) can
   * never pass: the daemon is stopped and `failed` with why, so a start waiting for it ends now
   * instead of at its timeout, and a liveness check does not restart it for ever.
   */
  private failUncheckable(role: 'ready' | 'live', why: string): void {
    const message = `its ${role === 'ready' ? 'readiness' : 'liveness'} check cannot run: ${why}`;
    this.logger.error('a health check cannot run; the daemon is stopped as failed', { daemon: this.spec.id, reason: message });
    const ending = this.terminate();
    const generation = this.generation; // a stop or start after this one wins over this failure
    ending
      .then(() => {
        if (generation !== this.generation || this.wanted) return;
        const tail = this.lastLines.slice(-QUOTED_LINES);
        this.set({ state: 'failed', message, restarts: this.backoff.crashes, ...(tail.length > 0 && { lastLines: tail }) });
      })
      .catch((error: unknown) => this.logger.error('stopping a daemon whose check cannot run failed', { daemon: this.spec.id, error: errorMessage(error) }));
  }

  /** `oomLimitMiB` is set (null: limit unknown) when the kernel killed it for memory. */
  private onExit(generation: number, proc: RunningProcess, exit: Exit, oomLimitMiB?: number | null): void {
    if (generation !== this.generation) return;
    this.clearRun();
    this.proc = null;
    this.ended = null;
    if (!this.wanted) return;
    const finished = this.spec.kind === 'task' && exit.code === 0;
    const decision = finished ? null : this.backoff.onExit(proc.startedAt, exit.at, exitFailed(exit, this.livenessKill));
    const report = exitReport({ spec: this.spec, exit, livenessKill: this.livenessKill, decision, lastLines: this.lastLines, ...(oomLimitMiB !== undefined && { oomLimitMiB }) });
    this.set(report.status);
    if (report.restartInMs !== null) {
      this.later(report.restartInMs, () => {
        this.spawn().catch((error: unknown) => this.set({ state: 'failed', message: `could not restart: ${errorMessage(error)}` }));
      });
    }
  }

  /** The mounted root filesystem, while the daemon is started. */
  get rootDir(): string | null {
    return this.root?.root ?? null;
  }

  /**
   * Run a command in this daemon's filesystem, as its user unless `request.user` says otherwise
   * (root included), in its cgroups, streaming output; killed after the timeout or when `signal` aborts.
   */
  async exec(request: ExecRequest, onOutput: (stream: 'stdout' | 'stderr', data: string) => void, signal: AbortSignal): Promise<ExecResult> {
    const root = this.root;
    const own = this.user;
    if (root === null || own === null) {
      throw new HearthError('SERVICE_NOT_RUNNING', `${this.label} is not running, so it has no filesystem to run in`, {
        hint: 'start the service first',
        details: { daemon: this.spec.id, image: this.spec.image, state: this.status.state },
      });
    }
    const user = request.user === undefined ? own : await resolveUser(root.root, request.user, { daemon: this.spec.id, image: this.spec.image, what: 'exec --user', code: 'INVALID_PARAMS' });
    return await runExec({
      root: root.root,
      pipeDir: root.dir,
      user,
      // Like the daemon: counted in its cgroups, and the OOM killer's choice before the runtime.
      cgroupProcs: this.cgroup?.procsFiles ?? [],
      env: { ...daemonEnv(this.image, this.spec.env), ...request.env },
      command: request.command,
      timeoutMs: request.timeoutMs,
      onOutput,
      signal,
    });
  }

  private async killLeftovers(cgroup: OwnCgroup | null, proc: RunningProcess | null): Promise<void> {
    await killLeftovers(cgroup, proc, this.logger.child({ daemon: this.spec.id }));
  }

  /** Stop signal to the whole process group, SIGKILL after the stop timeout; then what is left in its cgroup. */
  private async terminate(): Promise<void> {
    this.wanted = false;
    this.generation += 1;
    this.clearRun();
    const proc = this.proc;
    const ended = this.ended ?? proc?.exited;
    this.proc = null;
    this.ended = null;
    if (proc !== null && ended !== undefined) {
      this.set({ state: 'stopping', pid: proc.pid });
      proc.signal(this.spec.stopSignal);
      if (!(await settlesWithin(ended, this.spec.stopTimeoutMs))) {
        this.logger.warn('daemon did not stop in time; killing it', { daemon: this.spec.id, signal: this.spec.stopSignal, timeoutMs: this.spec.stopTimeoutMs });
        proc.signal('SIGKILL');
        await settlesWithin(ended, KILL_WAIT_MS);
      }
    }
    // Between runs (restarting) or after one, commands run with `hearth exec` may still be there.
    if (this.cgroup) await this.killLeftovers(this.cgroup, proc);
  }

  /** Requirements lost and `stopWhenRequirementsLost`: stop the process, keep the filesystem, wait. */
  async pause(waitingFor: string[]): Promise<void> {
    await this.terminate();
    this.lost = [];
    this.waitFor(waitingFor);
  }

  /** What it uses now, while it has its own cgroup. */
  async usage(): Promise<DaemonUsage | null> {
    return this.cgroup ? { id: this.spec.id, ...(await this.cgroup.usage()) } : null;
  }

  /** Stop, unmount, clear scratch, remove its cgroup. Idempotent. */
  async stop(): Promise<void> {
    await this.terminate();
    await this.releaseRoot();
    await this.releaseCgroup();
    this.lost = [];
    this.set({ state: 'stopped' });
  }

  private async releaseRoot(): Promise<void> {
    const root = this.root;
    this.root = null;
    this.user = null;
    await root?.unmount();
  }

  private async releaseCgroup(): Promise<void> {
    const cgroup = this.cgroup;
    this.cgroup = undefined;
    const kept = (await cgroup?.remove().catch((error: unknown) => [errorMessage(error)])) ?? [];
    if (kept.length > 0) this.logger.warn('its cgroup still has processes; the container stop removes it', { daemon: this.spec.id, kept });
  }
}
