import { HearthError, errorMessage, waves, type DaemonSpec, type DaemonStatus, type RuntimePhase, type DaemonUsage, type ImageConfig, type LogEntry, type PackageDaemons, type ReconfigureResult, type ServiceConfig } from '@hearth/sdk/contract';
import type { Logger } from '@hearth/sdk/system';
import { Daemon } from './daemon.js';
import type { DaemonContext } from './deps.js';
import { EMPTY_CONFIG, fingerprint, inputsFor, type DaemonInputs } from './inputs.js';
import { planReconfigure } from './reconcile.js';
import { killStragglers } from './stragglers.js';

export interface ManagerEvents {
  onStatus(status: DaemonStatus): void;
  onLog(entry: LogEntry): void;
  /** Every change of a daemon's real state (not the shown one), with the lines it wrote last: hooks follow these. */
  onState?(state: DaemonStatus, lastLines: readonly string[]): void;
}

/** A requirement is met when a daemon is ready, or a task has exited 0. */
function satisfied(daemon: Daemon | undefined): boolean {
  const state = daemon?.state.state;
  return daemon?.spec.kind === 'task' ? state === 'exited' : state === 'ready';
}

/**
 * Starts daemons and tasks as their requirements are met (the graph's waves, driven by state
 * changes), reacts when a requirement is lost, and stops in reverse waves. Start and stop are
 * serialized.
 */
export class DaemonManager {
  private daemons = new Map<string, Daemon>();
  private order: string[][];
  private running = false;
  private current: RuntimePhase = 'loaded';
  private chain: Promise<unknown> = Promise.resolve();
  /** Each daemon's inputs for the current config, made once (at its first start, or to compare at a reconfigure). */
  private inputs = new Map<string, Promise<DaemonInputs>>();

  constructor(
    private pkg: PackageDaemons,
    private readonly images: Map<string, ImageConfig>,
    private readonly context: Omit<DaemonContext, 'checkFunction' | 'inputs'>,
    private readonly events: ManagerEvents,
    private readonly logger: Logger,
    private config: ServiceConfig = EMPTY_CONFIG,
  ) {
    this.order = waves(pkg.specs);
    for (const spec of pkg.specs) this.daemons.set(spec.id, this.build(spec));
  }

  private build(spec: DaemonSpec): Daemon {
    const image = this.images.get(spec.image);
    if (image === undefined) {
      throw new HearthError('MANIFEST_INVALID', `daemon ${spec.id} uses image ${JSON.stringify(spec.image)}, which the package does not have`, {
        hint: `images: ${[...this.images.keys()].join(', ')}`,
        details: { daemon: spec.id, image: spec.image },
      });
    }
    const daemon: Daemon = new Daemon(
      spec,
      image,
      { ...this.context, checkFunction: (ref) => this.pkg.checkFunction(ref), inputs: (s) => this.inputsOf(s) },
      {
        onStatus: (status) => {
          this.events.onStatus(status);
          if (this.daemons.get(spec.id) === daemon) this.events.onState?.(daemon.state, daemon.recentLines);
          this.reconcile();
        },
        onLog: (entry) => this.events.onLog(entry),
      },
      this.logger.child({ daemon: spec.id }),
    );
    return daemon;
  }

  /** Made once per config; a failed render stays failed (each start reports it) until the config changes. */
  private inputsOf(spec: DaemonSpec): Promise<DaemonInputs> {
    let inputs = this.inputs.get(spec.id);
    if (inputs === undefined) {
      inputs = inputsFor(spec, (ref) => this.pkg.fileRenderer(ref), this.config);
      inputs.catch(() => undefined); // reported by the start that awaits it
      this.inputs.set(spec.id, inputs);
    }
    return inputs;
  }

  /** The settings `main` ran with: actions and hooks see the same. */
  get settings(): ServiceConfig['settings'] {
    return this.config.settings;
  }

  daemon(id: string): Daemon {
    const daemon = this.daemons.get(id);
    if (daemon === undefined) {
      throw new HearthError('INVALID_PARAMS', `there is no daemon ${JSON.stringify(id)}`, { hint: `daemons: ${[...this.daemons.keys()].join(', ')}` });
    }
    return daemon;
  }

  /** Usage of each daemon that has its own cgroup (a started one), in declaration order. */
  async usage(): Promise<DaemonUsage[]> {
    const usages = await Promise.all([...this.daemons.values()].map((d) => d.usage()));
    return usages.filter((u): u is DaemonUsage => u !== null);
  }

  /** For runtime.status: a hearthd adopting this container finishes a start or stop its predecessor began. */
  get phase(): RuntimePhase {
    return this.current;
  }

  statuses(): DaemonStatus[] {
    return [...this.daemons.values()].map((d) => d.shown);
  }

  private wave(index: number): Daemon[] {
    return (this.order[index] ?? []).flatMap((id) => this.daemons.get(id) ?? []);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Starts what has no requirements and resolves; the rest starts as requirements are met. */
  start(): Promise<DaemonStatus[]> {
    return this.serialized(async () => {
      if (this.running) return this.statuses();
      this.running = true;
      this.current = 'starting';
      for (const daemon of this.daemons.values()) {
        const missing = this.missing(daemon);
        if (missing.length > 0) daemon.waitFor(missing);
      }
      await Promise.all(this.wave(0).map((d) => d.start()));
      this.current = 'started';
      return this.statuses();
    });
  }

  /** Its requirements that are not met now, in the order it lists them. */
  private missing(daemon: Daemon): string[] {
    return daemon.spec.requires.filter((id) => !satisfied(this.daemons.get(id)));
  }

  /**
   * After any state change: start what became unblocked; say what a waiting daemon still waits
   * for (only the unmet requirements); pause or flag what lost a requirement.
   */
  private reconcile(): void {
    if (!this.running) return;
    for (const daemon of this.daemons.values()) {
      if (daemon.spec.requires.length === 0) continue;
      const missing = this.missing(daemon);
      const state = daemon.state.state;
      if (state === 'waiting' && !daemon.active) {
        if (missing.length > 0) {
          daemon.waitFor(missing);
          continue;
        }
        daemon.start().catch((error: unknown) => this.logger.error('daemon failed to start', { daemon: daemon.spec.id, error: errorMessage(error) }));
      } else if (daemon.spec.kind === 'daemon' && ['starting', 'ready', 'not-ready', 'restarting'].includes(state)) {
        if (missing.length > 0 && daemon.spec.stopWhenRequirementsLost) {
          daemon.pause(missing).catch((error: unknown) => this.logger.error('pausing a daemon failed', { daemon: daemon.spec.id, error: errorMessage(error) }));
        } else {
          daemon.setLostRequirements(missing);
        }
      }
    }
  }

  /**
   * A new config, and the daemons `main` returned for it: each daemon whose spec, rendered files
   * or secret values changed is stopped (dependents first) and started again, removed ones stop,
   * added ones start; the others keep running untouched. Not started: the new set just replaces
   * the old, for the next start.
   */
  reconfigure(pkg: PackageDaemons, config: ServiceConfig): Promise<ReconfigureResult> {
    return this.serialized(async () => {
      const order = waves(pkg.specs);
      const before = this.view([...this.daemons.values()].map((d) => d.spec), this.inputs, this.order);
      const next = new Map<string, Promise<DaemonInputs>>();
      for (const spec of pkg.specs) {
        const inputs = inputsFor(spec, (ref) => pkg.fileRenderer(ref), config);
        inputs.catch(() => undefined); // a render failure is reported when that daemon starts
        next.set(spec.id, inputs);
      }
      const plan = planReconfigure(await before, await this.view(pkg.specs, next, order));
      // Built before anything stops: a daemon naming an image the package lacks fails the whole change.
      const fresh = new Map(pkg.specs.filter((s) => plan.restart.includes(s.id) || plan.add.includes(s.id)).map((s) => [s.id, this.build(s)]));
      if (this.running) {
        for (const id of plan.stopOrder) {
          await this.daemons.get(id)?.stop().catch((error: unknown) => this.logger.error('stopping a daemon failed', { daemon: id, error: errorMessage(error) }));
        }
      }
      const kept = this.daemons;
      this.pkg = pkg;
      this.config = config;
      this.inputs = next;
      this.order = order;
      this.daemons = new Map(pkg.specs.map((spec) => [spec.id, fresh.get(spec.id) ?? (kept.get(spec.id) as Daemon)]));
      if (this.running) {
        for (const id of plan.startOrder) {
          const daemon = this.daemon(id);
          const missing = this.missing(daemon);
          if (missing.length > 0) daemon.waitFor(missing);
          else await daemon.start().catch((error: unknown) => this.logger.error('daemon failed to start', { daemon: id, error: errorMessage(error) }));
        }
        this.reconcile();
      }
      return { restarted: this.running ? plan.restart : [], added: plan.add, removed: plan.remove, daemons: this.statuses() };
    });
  }

  /** Fingerprints of a set of daemons (null where its inputs failed). */
  private async view(specs: readonly DaemonSpec[], inputs: Map<string, Promise<DaemonInputs>>, order: string[][]) {
    const fingerprints = new Map<string, string | null>();
    for (const spec of specs) fingerprints.set(spec.id, fingerprint(spec, await (inputs.get(spec.id) ?? this.inputsOf(spec)).catch(() => null)));
    return { order, fingerprints };
  }

  /** Stop in reverse waves; daemons of one wave stop in parallel. */
  stop(): Promise<DaemonStatus[]> {
    return this.serialized(async () => {
      this.running = false;
      this.current = 'stopping';
      for (let i = this.order.length - 1; i >= 0; i -= 1) {
        const results = await Promise.allSettled(this.wave(i).map((d) => d.stop()));
        for (const result of results) {
          if (result.status === 'rejected') this.logger.error('stopping a daemon failed', { error: errorMessage(result.reason) });
        }
      }
      // The next start renders again (a render function may read more than the config: a date, a file).
      this.inputs = new Map();
      const stragglers = await killStragglers();
      if (stragglers > 0) this.logger.warn('killed processes that had left their daemons', { count: stragglers });
      this.current = 'stopped';
      return this.statuses();
    });
  }
}
