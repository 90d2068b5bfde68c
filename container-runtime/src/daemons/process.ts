import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CHROOT } from './command.js';

export const MAX_LINE_CHARS = 16 * 1024;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export interface RunningProcess {
  pid: number;
  startedAt: number;
  exited: Promise<Exit>;
  /** Signal the whole process group; a group that is gone already is fine. */
  signal(signal: NodeJS.Signals): void;
}

/**
 * The OOM killer's badness of a daemon (and of what it forks, which inherits it): the highest. So
 * when the service reaches its memory limit, the kernel kills a daemon, never the runtime that
 * reports it; host-wide, services go before the host's own processes (as Kubernetes does for
 * best-effort pods). Lowering the runtime's instead would need CAP_SYS_RESOURCE.
 */
export const DAEMON_OOM_SCORE_ADJ = 1000;

/**
 * Set right after spawn: the few microseconds before are too short to matter. A process already
 * gone is fine; any other failure is said in the daemon's log, and the daemon runs anyway.
 */
function preferForOom(pid: number, onLine: (stream: 'stderr', line: string) => void): void {
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(DAEMON_OOM_SCORE_ADJ));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ESRCH') onLine('stderr', `hearth: could not set oom_score_adj: ${(error as Error).message}`);
  }
}

/**
 * Spawn `chroot <args>` as the leader of a new process group, its output split into lines.
 * node:child_process rather than execa: a long-lived process whose output we stream and whose
 * exit we report, not a command we await.
 */
export function spawnChrooted(args: string[], env: Record<string, string>, onLine: (stream: 'stdout' | 'stderr', line: string) => void): RunningProcess {
  const child = spawn(CHROOT, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  const startedAt = Date.now();
  const exited = new Promise<Exit>((resolve) => {
    // 'exit', not 'close': an orphan that inherited the output pipes would delay 'close' for as
    // long as it lives. Lines still in the pipes are logged when they arrive.
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
    // An unhandled spawn error would kill the runtime, and with it the container. Its message
    // becomes an output line so the failure says why (`spawn … ENOENT`), not just "code 127".
    child.once('error', (error) => {
      onLine('stderr', `hearth: cannot run ${CHROOT}: ${error.message}`);
      resolve({ code: 127, signal: null, at: Date.now() });
    });
  });
  for (const [stream, source] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
    createInterface({ input: source, crlfDelay: Infinity }).on('line', (raw) => {
      onLine(stream, raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)}…` : raw);
    });
  }
  const pid = child.pid ?? -1;
  if (pid > 0) preferForOom(pid, onLine);
  return {
    pid,
    startedAt,
    exited,
    signal(signal) {
      if (pid <= 0) return;
      try {
        process.kill(-pid, signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
  };
}
