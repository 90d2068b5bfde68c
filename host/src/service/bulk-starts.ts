import { errorMessage, type BulkProgress, type ServiceStatus } from '@hearth/sdk/contract';
import type { ManagerCore } from './manager-core.js';
import { machineConcurrency, runInDependencyOrder } from './dependency-order.js';
import { DEFAULT_READY_TIMEOUT_MS } from './wait-ready.js';

/**
 * Many services at once: every wanted service at boot and `hearth start --all`, every running one
 * at shutdown. Starts run together up to the machine's bound, a service after its dependencies
 * are ready (or failed); stops run dependents first. `progress` is what `hearth ls` shows meanwhile.
 */
export class BulkStarts {
  private run: { operation: 'start' | 'stop'; ids: string[]; begun: Set<string>; failed: Set<string> } | null = null;

  constructor(
    private readonly manager: ManagerCore,
    private readonly limit = machineConcurrency(),
  ) {}

  /** True while `id` waits for a slot or its dependencies in a bulk start or stop. */
  queued(id: string): boolean {
    return this.run !== null && this.run.ids.includes(id) && !this.run.begun.has(id);
  }

  progress(): BulkProgress | null {
    const run = this.run;
    if (run === null) return null;
    const statuses = run.ids.flatMap((id) => {
      try {
        return [this.manager.status(id)];
      } catch {
        return []; // uninstalled meanwhile
      }
    });
    const done = statuses.filter((s) => (run.operation === 'start' ? s.ready : s.state === 'stopped')).length;
    return { operation: run.operation, total: run.ids.length, done, failed: run.failed.size, queued: run.ids.filter((id) => !run.begun.has(id)).length };
  }

  /**
   * Start `ids` (default: every installed service), each waited for until ready at most `timeoutMs`.
   * Resolves when all have settled, with each failure's reason by id.
   */
  async startAll(ids: string[] = Object.keys(this.manager.options.state.state.services), timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<{ services: ServiceStatus[]; failed: { id: string; message: string }[] }> {
    const failures = await this.track('start', ids, {
      after: (id) => Object.keys(this.manager.manifests.get(id)?.dependencies ?? {}),
      hold: async (id) => void (await this.manager.start(id, false, timeoutMs)),
      // Running now: this waits for ready only (its dependencies were started first).
      settle: async (id) => void (await this.manager.start(id, true, timeoutMs)),
    });
    return this.result(ids, failures);
  }

  /** Stop every running service, each after the running services that depend on it (hearthd's shutdown). */
  async stopAll(): Promise<Map<string, unknown>> {
    const ids = [...this.manager.runners.keys()];
    const dependents = (id: string): string[] => ids.filter((other) => Object.keys(this.manager.manifests.get(other)?.dependencies ?? {}).includes(id));
    return await this.track('stop', ids, {
      after: dependents,
      hold: (id) => this.manager.lock.run(id, 'shutdown', () => this.manager.stopRunner(id)),
    });
  }

  private async track(operation: 'start' | 'stop', ids: string[], steps: Pick<Parameters<typeof runInDependencyOrder>[1], 'after' | 'hold' | 'settle'>): Promise<Map<string, unknown>> {
    const run = { operation, ids, begun: new Set<string>(), failed: new Set<string>() };
    this.run = run;
    try {
      const failures = await runInDependencyOrder(ids, {
        ...steps,
        limit: this.limit,
        onBegin: (id) => {
          run.begun.add(id);
          this.manager.options.logger.info(operation === 'start' ? 'starting (many at once)' : 'stopping (many at once)', { service: id, of: ids.length });
        },
        hold: async (id) => {
          try {
            await steps.hold(id);
            if (operation === 'stop') this.manager.options.logger.info('stopped', { service: id });
          } catch (error) {
            run.failed.add(id);
            throw error;
          }
        },
      });
      for (const [id, error] of failures) this.manager.options.logger.error(`${operation} failed`, { service: id, error: errorMessage(error) });
      return failures;
    } finally {
      if (this.run === run) this.run = null;
    }
  }

  private result(ids: string[], failures: Map<string, unknown>): { services: ServiceStatus[]; failed: { id: string; message: string }[] } {
    const services = ids.flatMap((id) => {
      try {
        return [this.manager.status(id)];
      } catch {
        return [];
      }
    });
    return { services, failed: [...failures].map(([id, error]) => ({ id, message: errorMessage(error) })) };
  }
}
