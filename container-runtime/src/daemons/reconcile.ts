/** A service's daemons as a reconfiguration compares them: the graph's waves, and each one's fingerprint (inputs.ts). */
export interface DaemonSetView {
  order: readonly (readonly string[])[];
  /** `null`: its inputs could not be made (a render failed), so it counts as changed. */
  fingerprints: ReadonlyMap<string, string | null>;
}

export interface ReconfigurePlan {
  /** In both sets with different fingerprints: stopped, then started again. */
  restart: string[];
  add: string[];
  remove: string[];
  /** Restarted and removed ones, dependents first (the old graph's waves, reversed). */
  stopOrder: string[];
  /** Restarted and added ones, requirements first (the new graph's waves). */
  startOrder: string[];
}

/**
 * Which daemons a new config touches. A daemon whose spec, rendered files and secret values are
 * the same in both sets is left running (its pid stays); nothing else is compared. Pure.
 */
export function planReconfigure(before: DaemonSetView, after: DaemonSetView): ReconfigurePlan {
  const restart: string[] = [];
  const add: string[] = [];
  for (const [id, next] of after.fingerprints) {
    if (!before.fingerprints.has(id)) add.push(id);
    else if (next === null || before.fingerprints.get(id) !== next) restart.push(id);
  }
  const remove = [...before.fingerprints.keys()].filter((id) => !after.fingerprints.has(id));
  const stopping = new Set([...restart, ...remove]);
  const starting = new Set([...restart, ...add]);
  return {
    restart,
    add,
    remove,
    stopOrder: before.order.flat().reverse().filter((id) => stopping.has(id)),
    startOrder: after.order.flat().filter((id) => starting.has(id)),
  };
}
