import { HearthError, errorMessage, waves, type DaemonStatus, type RuntimePhase, type DaemonUsage, type ImageConfig, type LogEntry, type PackageDaemons } from '@hearth/sdk/contract';
import type { Logger } from '@hearth/sdk/system';
import { Daemon } from './daemon.js';
import type { DaemonContext } from './deps.js';
import { killStragglers } from './stragglers.js';

export interface ManagerEvents {
  onStatus(status: DaemonStatus): void;
  onLog(entry: LogEntry): void;
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
  private readonly daemons = new Map<string, Daemon>();
  private readonly order: string[][];
  private running = false;
  private current: RuntimePhase = 'loaded';
  private chain: Promise<unknown> = Promise.resolve();

  constructor(pkg: PackageDaemons, images: Map<string, ImageConfig>, context: Omit<DaemonContext, 'checkFunction'>, events: ManagerEvents, private readonly logger: Logger) {
    this.order = waves(pkg.specs);
    for (const spec of pkg.specs) {
      const image = images.get(spec.image);
      if (image === undefined) {
        throw new HearthError('MANIFEST_INVALID', `daemon ${spec.id} uses image ${JSON.stringify(spec.image)}, which the package does not have`, {
          hint: `images: ${[...images.keys()].join(', ')}`,
          details: { daemon: spec.id, image: spec.image },
        });
      }
      const daemon = new Daemon(
        spec,
        image,
        { ...context, checkFunction: (ref) => pkg.checkFunction(ref) },
        {
          onStatus: (status) => {
            events.onStatus(status);
            this.reconcile();
          },
          onLog: (entry) => events.onLog(entry),
        },
        logger.child({ daemon: spec.id }),
      );
      this.daemons.set(spec.id, daemon);
    }
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
      const stragglers = await killStragglers();
      if (stragglers > 0) this.logger.warn('killed processes that had left their daemons', { count: stragglers });
      this.current = 'stopped';
      return this.statuses();
    });
  }
}
