import { describe, expect, it } from 'vitest';
import { machineConcurrency, runInDependencyOrder } from './dependency-order.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A fake start: records when each id begins and ends, and how many run at once. */
function recorder() {
  const events: string[] = [];
  let now = 0;
  let max = 0;
  const hold = async (id: string): Promise<void> => {
    now += 1;
    max = Math.max(max, now);
    events.push(`+${id}`);
    await tick();
    await tick();
    events.push(`-${id}`);
    now -= 1;
  };
  return { events, hold, max: () => max };
}

describe('runInDependencyOrder', () => {
  it('never holds more slots than the limit, and runs that many at once when it can', async () => {
    const r = recorder();
    const ids = Array.from({ length: 10 }, (_, i) => `s${i}`);
    await runInDependencyOrder(ids, { after: () => [], limit: 3, hold: r.hold });
    expect(r.max()).toBe(3);
    expect(r.events.filter((e) => e.startsWith('+'))).toHaveLength(10);
  });

  it('takes a service up only after each of its dependencies settled (ready or failed), whatever the list order', async () => {
    const r = recorder();
    const deps: Record<string, string[]> = { app: ['db', 'cache'], web: ['app'], db: [], cache: [] };
    const settled: string[] = [];
    await runInDependencyOrder(['web', 'app', 'db', 'cache'], {
      after: (id) => deps[id] ?? [],
      limit: 4,
      hold: r.hold,
      settle: async (id) => {
        await tick();
        settled.push(id);
      },
    });
    const begin = (id: string): number => r.events.indexOf(`+${id}`);
    expect(begin('app')).toBeGreaterThan(r.events.indexOf('-db'));
    expect(begin('app')).toBeGreaterThan(r.events.indexOf('-cache'));
    expect(begin('web')).toBeGreaterThan(r.events.indexOf('-app'));
    expect(settled.indexOf('app')).toBeGreaterThan(Math.max(settled.indexOf('db'), settled.indexOf('cache')));
    // Independent ones run together: db and cache begin before either ends.
    expect(Math.max(begin('db'), begin('cache'))).toBeLessThan(Math.min(r.events.indexOf('-db'), r.events.indexOf('-cache')));
  });

  it('reports each failure by id, and its dependents still run (their own start says what they miss)', async () => {
    const ran: string[] = [];
    const failures = await runInDependencyOrder(['a', 'b'], {
      after: (id) => (id === 'b' ? ['a'] : []),
      limit: 2,
      hold: async (id) => {
        ran.push(id);
        await tick();
        if (id === 'a') throw new Error('a broke');
      },
    });
    expect(ran).toEqual(['a', 'b']);
    expect([...failures.keys()]).toEqual(['a']);
  });

  it('finishes on a dependency cycle instead of waiting forever, and ignores dependencies outside the set', async () => {
    const ran: string[] = [];
    await runInDependencyOrder(['x', 'y'], { after: (id) => (id === 'x' ? ['y', 'elsewhere'] : ['x']), limit: 1, hold: async (id) => void ran.push(await Promise.resolve(id)) });
    expect(ran.sort()).toEqual(['x', 'y']);
  });

  it('sizes the bound to the machine: two starts per CPU, at least two', () => {
    expect(machineConcurrency(1)).toBe(2);
    expect(machineConcurrency(2)).toBe(4);
    expect(machineConcurrency(16)).toBe(32);
  });
});
