import { errorMessage, type DaemonSpec, type DaemonStatus, type ImageConfig, type LogEntry } from '@hearth/sdk/contract';
import type { Logger } from '../log.js';
import type { RuntimePaths } from '../paths.js';
import { Daemon } from './daemon.js';
import { waves } from './graph.js';

export interface ManagerEvents {
  onStatus(status: DaemonStatus): void;
  onLog(entry: LogEntry): void;
}

/**
 * Starts daemons in waves by their `requires` (a daemon starts once every daemon it requires is
 * ready), and stops them in reverse waves. Start and stop are serialized.
 */
export class DaemonManager {
  private readonly daemons = new Map<string, Daemon>();
  private readonly order: string[][];
  private running = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    specs: DaemonSpec[],
    images: Map<string, ImageConfig>,
    paths: RuntimePaths,
    private readonly events: ManagerEvents,
    private readonly logger: Logger,
  ) {
    this.order = waves(specs);
    for (const spec of specs) {
      const image = images.get(spec.image);
      if (image === undefined) throw new Error(`daemon ${spec.id} uses image ${spec.image}, which the package does not have`);
      const daemon = new Daemon(
        spec,
        image,
        paths,
        {
          onStatus: (status) => {
            events.onStatus(status);
            if (status.state === 'ready') this.startUnblocked();
          },
          onLog: (entry) => events.onLog(entry),
        },
        logger.child({ daemon: spec.id }),
      );
      this.daemons.set(spec.id, daemon);
    }
  }

  private wave(index: number): Daemon[] {
    return (this.order[index] ?? []).flatMap((id) => this.daemons.get(id) ?? []);
  }

  statuses(): DaemonStatus[] {
    return [...this.daemons.values()].map((d) => d.state);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Spawns the first wave and resolves; later waves start as their requirements become ready. */
  start(): Promise<DaemonStatus[]> {
    return this.serialized(async () => {
      if (this.running) return this.statuses();
      this.running = true;
      for (const daemon of this.daemons.values()) {
        if (daemon.spec.requires.length > 0) daemon.waitFor(daemon.spec.requires);
      }
      await Promise.all(this.wave(0).map((d) => d.start()));
      return this.statuses();
    });
  }

  /** Start every waiting daemon whose requirements are all ready. */
  private startUnblocked(): void {
    if (!this.running) return;
    for (const daemon of this.daemons.values()) {
      if (daemon.state.state !== 'waiting' || daemon.spec.requires.length === 0) continue;
      const notReady = daemon.spec.requires.filter((id) => this.daemons.get(id)?.state.state !== 'ready');
      if (notReady.length > 0) {
        daemon.waitFor(notReady);
        continue;
      }
      daemon.start().catch((error: unknown) => this.logger.error('daemon failed to start', { daemon: daemon.spec.id, error: errorMessage(error) }));
    }
  }

  /** Stop in reverse waves; daemons of one wave stop in parallel. */
  stop(): Promise<DaemonStatus[]> {
    return this.serialized(async () => {
      this.running = false;
      for (let i = this.order.length - 1; i >= 0; i -= 1) {
        const results = await Promise.allSettled(this.wave(i).map((d) => d.stop()));
        for (const result of results) {
          if (result.status === 'rejected') this.logger.error('stopping a daemon failed', { error: errorMessage(result.reason) });
        }
      }
      return this.statuses();
    });
  }
}
