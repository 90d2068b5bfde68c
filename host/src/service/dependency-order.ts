import { availableParallelism } from 'node:os';

/**
 * Container starts at once per CPU at boot and for `hearth start --all`. A start is part CPU (the
 * runtime's node boot, package load) and part waiting (mounts, lxc-start, the hello), so two per
 * CPU keep the CPUs busy without thirty starts thrashing them.
 */
export const STARTS_PER_CPU = 2;

export function machineConcurrency(cpus = availableParallelism()): number {
  return Math.max(2, cpus * STARTS_PER_CPU);
}

export interface OrderedRun {
  /** Ids in the set that `id` must wait for (others are ignored; a cycle is broken, not waited on). */
  after: (id: string) => readonly string[];
  /** At most this many `hold` calls run at once. */
  limit: number;
  /** The part of the work that holds a slot (a container's start). */
  hold: (id: string) => Promise<void>;
  /** What those that wait for `id` wait for after its slot is freed (readiness); never holds a slot. */
  settle?: (id: string) => Promise<void>;
  /** Called when `id` is taken up, for progress. */
  onBegin?: (id: string) => void;
}

/**
 * Run every id once, each after what it must wait for has settled (failed or not: a failure is its
 * own, reported per id) and with at most `limit` slots held at once. Pure scheduling, no I/O of its
 * own: boot, `start --all` and shutdown's stop (with the graph reversed) use it. Returns the
 * failure of each id that failed.
 */
export async function runInDependencyOrder(ids: readonly string[], run: OrderedRun): Promise<Map<string, unknown>> {
  const set = new Set(ids);
  const failures = new Map<string, unknown>();
  const done = new Map<string, Promise<void>>();
  const waiting: (() => void)[] = [];
  let held = 0;
  const acquire = async (): Promise<void> => {
    while (held >= run.limit) await new Promise<void>((resolve) => waiting.push(resolve));
    held += 1;
  };
  const release = (): void => {
    held -= 1;
    waiting.shift()?.();
  };
  const one = (id: string, chain: readonly string[]): Promise<void> => {
    const known = done.get(id);
    if (known) return known;
    const work = (async () => {
      const before = run.after(id).filter((dep) => set.has(dep) && dep !== id && !chain.includes(dep));
      await Promise.all(before.map((dep) => one(dep, [...chain, id])));
      await acquire();
      run.onBegin?.(id);
      try {
        await run.hold(id);
      } catch (error) {
        failures.set(id, error);
        return;
      } finally {
        release();
      }
      await run.settle?.(id).catch((error: unknown) => failures.set(id, error));
    })();
    done.set(id, work);
    return work;
  };
  await Promise.all(ids.map((id) => one(id, [])));
  return failures;
}
