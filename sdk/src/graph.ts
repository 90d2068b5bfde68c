import { HearthError } from './errors.js';
import type { DaemonSpec } from './daemons.js';

/**
 * Order daemons into waves: every daemon's `requires` are in earlier waves. Unknown ids and
 * cycles are errors that name the daemon and the cycle. Pure: unit-tested without I/O.
 */
export function waves(specs: readonly Pick<DaemonSpec, 'id' | 'requires'>[]): string[][] {
  const byId = new Map(specs.map((s) => [s.id, s]));
  if (byId.size !== specs.length) {
    const dup = specs.find((s, i) => specs.findIndex((o) => o.id === s.id) !== i);
    throw new HearthError('MANIFEST_INVALID', `daemon id ${JSON.stringify(dup?.id)} is declared twice`, { hint: 'give every daemon its own id' });
  }
  for (const spec of specs) {
    for (const dep of spec.requires) {
      if (!byId.has(dep)) {
        throw new HearthError('MANIFEST_INVALID', `daemon ${spec.id} requires ${JSON.stringify(dep)}, which is not a daemon of this package`, {
          hint: `declared daemons: ${[...byId.keys()].join(', ')}`,
          details: { daemon: spec.id, requires: dep },
        });
      }
    }
  }
  const cycle = findCycle(specs, byId);
  if (cycle) {
    throw new HearthError('MANIFEST_INVALID', `daemons require each other in a cycle: ${cycle.join(' → ')}`, {
      hint: 'remove one of these requires',
      details: { cycle },
    });
  }
  const level = new Map<string, number>();
  const levelOf = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    const deps = byId.get(id)?.requires ?? [];
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(levelOf));
    level.set(id, value);
    return value;
  };
  const out: string[][] = [];
  for (const spec of specs) {
    const l = levelOf(spec.id);
    (out[l] ??= []).push(spec.id);
  }
  return out;
}

function findCycle(specs: readonly Pick<DaemonSpec, 'id' | 'requires'>[], byId: Map<string, Pick<DaemonSpec, 'id' | 'requires'>>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of byId.get(id)?.requires ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const spec of specs) {
    const found = visit(spec.id);
    if (found) return found;
  }
  return null;
}
