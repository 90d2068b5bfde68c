import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CHROOT } from './command.js';
import { outputPipes } from './output-pipes.js';

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

/** The base's shell, which prepares the process before it becomes the daemon. */
export const SETUP_SHELL = '/bin/sh';

/**
 * Run in the new process before it execs chroot: join the daemon's cgroups and raise its OOM score,
 * so all it does is counted and nothing escapes either by racing the runtime. `$$` is this process,
 * which exec keeps. A file it cannot write is said on stderr (the daemon's log); the daemon runs.
 * Arguments: the OOM score, the number of cgroup.procs files, the files, then the command.
 */
export const SETUP_SCRIPT = [
  'adj=$1; n=$2; shift 2',
  'while [ "$n" -gt 0 ]; do echo $$ 2>/dev/null > "$1" || echo "hearth: could not join the cgroup $1" >&2; shift; n=$((n - 1)); done',
  'echo "$adj" 2>/dev/null > /proc/self/oom_score_adj || echo "hearth: could not set oom_score_adj" >&2',
  'exec "$@"',
].join('\n');

/** argv for the setup shell: it prepares, then execs chroot with `args`. */
export function setupArgv(cgroupProcs: readonly string[], chrootArgs: readonly string[]): string[] {
  return ['-c', SETUP_SCRIPT, 'hearth-setup', String(DAEMON_OOM_SCORE_ADJ), String(cgroupProcs.length), ...cgroupProcs, CHROOT, ...chrootArgs];
}

/** How a daemon is spawned: what daemon.ts needs, passed in so its life is tested without chroot. */
export interface SpawnRequest {
  /** chroot's arguments: user, root, argv. */
  args: string[];
  env: Record<string, string>;
  onLine: (stream: 'stdout' | 'stderr', line: string) => void;
  /** The cgroup.procs files it joins before it execs. */
  cgroupProcs: readonly string[];
  /** Where the output pipes are made (their names are removed at once). */
  pipeDir: string;
  /** Who runs it: its output pipes are its, so it can reopen them. */
  owner: { uid: number; gid: number };
}

/**
 * Spawn `chroot <args>` as the leader of a new process group, its output (real pipes:
 * output-pipes.ts) split into lines, in the daemon's cgroups (`cgroupProcs`: their cgroup.procs
 * files) from its first instruction. node:child_process rather than execa: a long-lived process
 * whose output we stream and whose exit we report, not a command we await.
 */
export async function spawnChrooted({ args, env, onLine, cgroupProcs, pipeDir, owner }: SpawnRequest): Promise<RunningProcess> {
  const pipes = await outputPipes(pipeDir, owner);
  let child;
  try {
    child = spawn(SETUP_SHELL, setupArgv(cgroupProcs, args), { detached: true, stdio: ['ignore', pipes.stdout.writeFd, pipes.stderr.writeFd], env });
  } catch (error) {
    pipes.stdout.reader.destroy();
    pipes.stderr.reader.destroy();
    throw error;
  } finally {
    // The child has its own copies; ours would keep the pipes open after it ends.
    closeSync(pipes.stdout.writeFd);
    closeSync(pipes.stderr.writeFd);
  }
  const startedAt = Date.now();
  const exited = new Promise<Exit>((resolve) => {
    // 'exit', not 'close': an orphan that inherited the output pipes would delay 'close' for as
    // long as it lives. Lines still in the pipes are logged when they arrive.
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
    // An unhandled spawn error would kill the runtime, and with it the container. Its message
    // becomes an output line so the failure says why (`spawn … ENOENT`), not just "code 127".
    child.once('error', (error) => {
      onLine('stderr', `hearth: cannot run ${SETUP_SHELL}: ${error.message}`);
      resolve({ code: 127, signal: null, at: Date.now() });
    });
  });
  for (const [stream, source] of [['stdout', pipes.stdout.reader], ['stderr', pipes.stderr.reader]] as const) {
    source.on('error', (error) => onLine('stderr', `hearth: reading the daemon's ${stream} failed: ${error.message}`));
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
