import { execa } from 'execa';
import { join } from 'node:path';
import { Backoff, HearthError, errorMessage, type ExecResult, type CheckFunction, type DaemonSpec, type DaemonStatus, type DaemonUsage, type HealthCheckSpec, type ImageConfig, type LogEntry } from '@hearth/sdk/contract';
import type { Logger } from '@hearth/sdk/system';
import type { RuntimePaths } from '../paths.js';
import { DaemonRoot } from '../mounts/daemon-root.js';
import { DaemonCgroup } from './cgroup.js';
import { runCheck, type CheckContext } from '../health/checks.js';
import { HealthTracker } from '../health/tracker.js';
import { chrootArgv, daemonArgv, daemonEnv, resolveUser } from './command.js';
import { SETUP_SHELL, setupArgv, spawnChrooted, type Exit, type RunningProcess } from './process.js';
import { MEMORY_CGROUP, memoryLimitMiB, oomKills } from './oom.js';

export const KILL_WAIT_MS = 5_000;
/** While a daemon starts, readiness is polled this often (at most), so ready is noticed early. */
export const STARTUP_POLL_MS = 10;
export const LAST_LINES_KEPT = 20;

export interface DaemonEvents {
  onStatus(status: DaemonStatus): void;
  onLog(entry: LogEntry): void;
}

type Status = Omit<DaemonStatus, 'id' | 'since' | 'kind'>;

function describeExit(exit: Exit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? '?'}`;
}

/**
 * One daemon or task: its root filesystem, its process group, its health, its restarts, and its
 * state as the host sees it. Callbacks of an earlier run are ignored by generation number.
 */
export class Daemon {
  private status: DaemonStatus;
  private proc: RunningProcess | null = null;
  /** The current run's exit, once what it left in the daemon's cgroup is killed too. */
  private ended: Promise<Exit> | null = null;
  private root: DaemonRoot | null = null;
  /** Its own cgroup, for usage; null where the container cannot have one; made at the first start. */
  private cgroup: DaemonCgroup | null | undefined = undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
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
    private readonly paths: RuntimePaths,
    private readonly checkFunction: (ref: string) => CheckFunction | undefined,
    private readonly events: DaemonEvents,
    private readonly logger: Logger,
  ) {
    this.status = { id: spec.id, kind: spec.kind, state: 'waiting', since: Date.now() };
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

  private set(update: Status): void {
    this.status = { id: this.spec.id, kind: this.spec.kind, since: Date.now(), ...update };
    this.events.onStatus(this.shown);
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  waitFor(ids: string[]): void {
    this.set({ state: 'waiting', message: `waiting for ${ids.join(', ')}` });
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
      this.root ??= await DaemonRoot.mount(
        this.paths.scratchDir,
        this.spec.id,
        join(this.paths.imagesDir, this.spec.image),
        this.spec.mounts.map((m) => ({ source: join(this.paths.volumesDir, m.volume), target: m.path, readonly: m.readonly })),
      );
      if (this.cgroup === undefined) {
        this.cgroup = await DaemonCgroup.create(this.spec.id).catch((error: unknown) => {
          this.logger.warn('no cgroup of its own: its usage is counted with the service only', { daemon: this.spec.id, error: errorMessage(error) });
          return null;
        });
      }
      await this.spawn();
    } catch (error) {
      this.wanted = false;
      this.set({ state: 'failed', message: `could not start: ${errorMessage(error)}` });
      await this.releaseRoot();
      throw error;
    }
  }

  private async spawn(): Promise<void> {
    const root = this.root;
    if (root === null || !this.wanted) return;
    const generation = ++this.generation;
    const userspec = await resolveUser(root.root, this.spec.user ?? this.image.user);
    const env = daemonEnv(this.image, this.spec.env);
    // cgroup v1 counts an OOM kill in the victim's own memory cgroup: the daemon's, when it has one.
    const oomCgroup = this.cgroup?.memoryDir ?? MEMORY_CGROUP;
    const oomBefore = await oomKills(oomCgroup);
    const onLine = (stream: 'stdout' | 'stderr', line: string): void => {
      this.lastLines.push(line);
      if (this.lastLines.length > LAST_LINES_KEPT) this.lastLines.shift();
      this.events.onLog({ daemon: this.spec.id, stream, line, time: Date.now() });
    };
    const cgroupProcs = this.cgroup?.procsFiles ?? [];
    const proc = spawnChrooted(chrootArgv(root.root, userspec, daemonArgv(this.spec, this.image)), env, onLine, cgroupProcs);
    const where = { root: root.root, userspec, env, cgroupProcs };
    const cgroup = this.cgroup ?? null;
    const ended = proc.exited.then(async (exit) => {
      await this.killLeftovers(cgroup, proc);
      return exit;
    });
    this.proc = proc;
    this.ended = ended;
    this.livenessKill = null;
    void ended.then(async (exit) => {
      // A SIGKILL while the container's OOM-kill count went up is the memory limit, not a crash.
      const oomAfter = exit.signal === 'SIGKILL' ? await oomKills(oomCgroup) : null;
      const outOfMemory = oomBefore !== null && oomAfter !== null && oomAfter > oomBefore;
      this.onExit(generation, proc, exit, outOfMemory ? await memoryLimitMiB() : undefined);
    });
    if (this.spec.kind === 'task') {
      this.set({ state: 'starting', pid: proc.pid, message: 'running', restarts: this.backoff.crashes });
      return;
    }
    if (this.spec.ready === null) this.set({ state: 'ready', pid: proc.pid, restarts: this.backoff.crashes });
    else {
      this.set({ state: 'starting', pid: proc.pid, message: 'waiting for its readiness check', restarts: this.backoff.crashes });
      this.watch(generation, this.spec.ready, 'ready', where);
    }
    if (this.spec.live) this.watch(generation, this.spec.live, 'live', where);
  }

  /** Run a check every interval while this run lasts; readiness moves the state, liveness kills on failure. */
  private watch(generation: number, check: HealthCheckSpec, role: 'ready' | 'live', where: Omit<CheckContext, 'checkFunction'>): void {
    const tracker = new HealthTracker(check, Date.now());
    const attempt = (): void => {
      void runCheck(check, { ...where, checkFunction: this.checkFunction }).then((result) => {
        if (generation !== this.generation || this.proc === null) return;
        const health = tracker.record(result.ok, result.ok ? '' : result.message, Date.now());
        const pid = this.proc.pid;
        if (role === 'ready') {
          if (health === 'ready' && this.status.state !== 'ready') this.set({ state: 'ready', pid, restarts: this.backoff.crashes });
          else if (health === 'not-ready' && this.status.state !== 'not-ready') this.set({ state: 'not-ready', pid, message: tracker.message, restarts: this.backoff.crashes });
          else if (health === 'starting' && !result.ok) this.set({ state: 'starting', pid, message: `readiness: ${tracker.message}`, restarts: this.backoff.crashes });
        } else if (health === 'not-ready') {
          this.livenessKill = `liveness check failed: ${tracker.message}`;
          this.logger.warn('liveness check failed; restarting', { daemon: this.spec.id, reason: tracker.message });
          this.proc.signal('SIGKILL');
          return;
        }
        const starting = role === 'ready' && tracker.state === 'starting';
        this.later(starting ? Math.min(check.intervalMs, STARTUP_POLL_MS) : check.intervalMs, attempt);
      });
    };
    attempt();
  }

  /** `oomLimitMiB` is set (null: limit unknown) when the kernel killed it for memory. */
  private onExit(generation: number, proc: RunningProcess, exit: Exit, oomLimitMiB?: number | null): void {
    if (generation !== this.generation) return;
    this.clearTimers();
    this.proc = null;
    this.ended = null;
    if (!this.wanted) return;
    const oom = oomLimitMiB === undefined ? null : `was killed by the kernel: out of memory${oomLimitMiB === null ? '' : ` (the service's limit is ${oomLimitMiB} MiB)`}`;
    const how = oom ?? this.livenessKill ?? describeExit(exit);
    const exitFacts = { ...(exit.code !== null && { exitCode: exit.code }), ...(exit.signal !== null && { signal: exit.signal }) };
    if (this.spec.kind === 'task' && exit.code === 0) {
      this.set({ state: 'exited', message: 'finished', exitCode: 0 });
      return;
    }
    const failed = exit.code !== 0 || exit.signal !== null || this.livenessKill !== null;
    const decision = this.backoff.onExit(proc.startedAt, exit.at, failed);
    const tail = this.lastLines.slice(-5);
    if (decision.restart) {
      this.set({
        state: 'restarting',
        message: `${how}; restarting in ${(decision.delayMs / 1000).toFixed(1)} s (exit ${decision.crashes} of ${this.spec.restart.maxCrashes} allowed in ${this.spec.restart.windowMs / 1000} s)`,
        restarts: decision.crashes,
        ...exitFacts,
      });
      this.later(decision.delayMs, () => {
        this.spawn().catch((error: unknown) => this.set({ state: 'failed', message: `could not restart: ${errorMessage(error)}` }));
      });
      return;
    }
    const why =
      decision.reason === 'crash-loop'
        ? `${how}; it exited ${decision.crashes} times within ${this.spec.restart.windowMs / 1000} s, so it is not restarted again`
        : `${how}${this.spec.kind === 'daemon' ? ' and its restart policy is ' + this.spec.restart.mode : ''}`;
    this.set({ state: 'failed', message: tail.length > 0 ? `${why}; last output: ${tail.join(' | ')}` : why, restarts: decision.crashes, lastLines: tail, ...exitFacts });
  }

  /** The mounted root filesystem, while the daemon is started. */
  get rootDir(): string | null {
    return this.root?.root ?? null;
  }

  /** Run a command in this daemon's filesystem as its user, streaming output; killed after `timeoutMs`. */
  async exec(command: string[], env: Record<string, string>, timeoutMs: number, onOutput: (stream: 'stdout' | 'stderr', data: string) => void): Promise<ExecResult> {
    const root = this.root;
    if (root === null) {
      throw new HearthError('SERVICE_NOT_RUNNING', `daemon ${this.spec.id} is not running, so it has no filesystem to run in`, { hint: 'start the service first' });
    }
    const userspec = await resolveUser(root.root, this.spec.user ?? this.image.user);
    // Like the daemon: counted in its cgroups, and the OOM killer's choice before the runtime.
    const child = execa(SETUP_SHELL, setupArgv(this.cgroup?.procsFiles ?? [], chrootArgv(root.root, userspec, command)), {
      env: { ...daemonEnv(this.image, this.spec.env), ...env },
      extendEnv: false,
      stdin: 'ignore',
      buffer: false, // streamed to the caller, not kept
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      reject: false,
    });
    child.stdout.setEncoding('utf8').on('data', (data: string) => onOutput('stdout', data));
    child.stderr.setEncoding('utf8').on('data', (data: string) => onOutput('stderr', data));
    const result = await child;
    if (result.exitCode === undefined && result.signal === undefined && !result.timedOut) {
      onOutput('stderr', `${result.shortMessage}\n`); // could not be spawned at all
      return { exitCode: 127, signal: null, timedOut: false };
    }
    return { exitCode: result.exitCode ?? null, signal: result.signal ?? null, timedOut: result.timedOut };
  }

  /**
   * When a run ends (exit, crash, liveness kill, stop), nothing it started outlives it: everything
   * in the daemon's cgroup is SIGKILLed (workers that left the process group with setsid, orphans,
   * and `hearth exec` commands, which join the same cgroups: Kubernetes kills those with the
   * container too). So a restart finds its port free and its pids budget back. Without a cgroup of
   * its own, the process group is all that can be found.
   */
  private async killLeftovers(cgroup: DaemonCgroup | null, proc: RunningProcess | null): Promise<void> {
    if (cgroup === null) {
      proc?.signal('SIGKILL');
      return;
    }
    const result = await cgroup.killAll();
    if (result.killed > 0) this.logger.info('killed what the run left in its cgroup', { daemon: this.spec.id, count: result.killed, frozen: result.frozen });
    if (result.left.length > 0) this.logger.warn('processes of the daemon would not die', { daemon: this.spec.id, pids: result.left });
  }

  /** Stop signal to the whole process group, SIGKILL after the stop timeout; then what is left in its cgroup. */
  private async terminate(): Promise<void> {
    this.wanted = false;
    this.generation += 1;
    this.clearTimers();
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

  /** Stop, unmount, clear scratch. Idempotent. */
  async stop(): Promise<void> {
    await this.terminate();
    await this.releaseRoot();
    const kept = (await this.cgroup?.remove()) ?? [];
    if (kept.length > 0) this.logger.warn('its cgroup still has processes; the container stop removes it', { daemon: this.spec.id, kept });
    this.cgroup = undefined;
    this.lost = [];
    this.set({ state: 'stopped' });
  }

  private async releaseRoot(): Promise<void> {
    const root = this.root;
    this.root = null;
    await root?.unmount();
  }
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
