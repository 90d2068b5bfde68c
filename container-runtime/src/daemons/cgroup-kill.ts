import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long emptying a cgroup may take before what is left is reported instead. */
export const CGROUP_KILL_TIMEOUT_MS = 5_000;
/** How long a freeze may take to settle (a task in uninterruptible sleep delays it). */
export const FREEZE_WAIT_MS = 1_000;
/** Pause between rounds: SIGKILLed processes leave cgroup.procs when they have exited. */
export const KILL_ROUND_PAUSE_MS = 10;

/** A daemon's cgroup as far as killing it goes. */
export interface KillTarget {
  /** The cgroup.procs files of each of its hierarchies: a process is its as long as it is in any. */
  procsFiles: readonly string[];
  /** Its freezer cgroup's directory, when the container has the freezer hierarchy. */
  freezerDir: string | null;
}

/** What touches the system, passed in so the loop is tested on a fake tree. */
export interface KillSystem {
  kill(pid: number, signal: NodeJS.Signals): void;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Pids never to signal: the runtime itself and init. A root daemon can write any pid into its cgroup. */
  spared: readonly number[];
}

export const realKillSystem = (): KillSystem => ({
  kill: (pid, signal) => process.kill(pid, signal),
  sleep: (ms) => sleep(ms),
  now: () => Date.now(),
  spared: [1, process.pid],
});

export interface KillResult {
  /** Distinct pids SIGKILLed. */
  killed: number;
  /** Pids still there when time ran out (empty when the cgroup was emptied). */
  left: number[];
  /** Whether the freezer was used. */
  frozen: boolean;
}

async function pidsIn(procsFiles: readonly string[]): Promise<number[]> {
  const pids = new Set<number>();
  for (const file of procsFiles) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) if (/^\d+$/.test(line)) pids.add(Number(line));
  }
  return [...pids];
}

function signal(system: KillSystem, pid: number): void {
  try {
    system.kill(pid, 'SIGKILL');
  } catch {
    // gone already (ESRCH), or an exiting zombie: either way it is on its way out
  }
}

async function setFreezer(dir: string, state: 'FROZEN' | 'THAWED', system: KillSystem): Promise<void> {
  await writeFile(`${dir}/freezer.state`, state);
  if (state === 'THAWED') return;
  // FREEZING until every task has stopped; a SIGKILL sent before then still lands on thaw.
  const deadline = system.now() + FREEZE_WAIT_MS;
  while ((await readFile(`${dir}/freezer.state`, 'utf8')).trim() !== 'FROZEN' && system.now() < deadline) await system.sleep(KILL_ROUND_PAUSE_MS);
}

/**
 * SIGKILL everything in a daemon's cgroup until it is empty, so nothing of a run outlives it
 * (workers that left the process group with setsid, double-forked orphans, fork-bomb leftovers).
 * With the freezer, each round freezes the cgroup first so nothing forks between reading the pids
 * and killing them (then thaws, as cgroup v1 delivers the SIGKILL only to thawed tasks); without
 * it, rounds repeat until a read finds none. Bounded by CGROUP_KILL_TIMEOUT_MS either way.
 */
export async function killCgroup(target: KillTarget, system: KillSystem = realKillSystem()): Promise<KillResult> {
  const killed = new Set<number>();
  // Freezing a cgroup the runtime is in would stop the runtime for good: a root daemon could have
  // moved it there. Then the plain loop, which spares it, is used.
  const own = await pidsIn(target.procsFiles);
  const freezer = target.freezerDir !== null && !own.some((pid) => system.spared.includes(pid)) ? target.freezerDir : null;
  const deadline = system.now() + CGROUP_KILL_TIMEOUT_MS;
  for (;;) {
    if (freezer) await setFreezer(freezer, 'FROZEN', system).catch(() => undefined);
    const pids = (await pidsIn(target.procsFiles)).filter((pid) => !system.spared.includes(pid));
    for (const pid of pids) {
      signal(system, pid);
      killed.add(pid);
    }
    if (freezer) await setFreezer(freezer, 'THAWED', system).catch(() => undefined);
    if (pids.length === 0) return { killed: killed.size, left: [], frozen: freezer !== null };
    if (system.now() >= deadline) return { killed: killed.size, left: pids, frozen: freezer !== null };
    await system.sleep(KILL_ROUND_PAUSE_MS);
  }
}
