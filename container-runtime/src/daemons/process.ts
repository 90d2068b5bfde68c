import { spawn } from 'node:child_process';
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
