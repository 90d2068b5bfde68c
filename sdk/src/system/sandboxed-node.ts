import { join } from 'node:path';
import { execa } from 'execa';

/** Node's permission model flag: --permission from Node 22, --experimental-permission before. */
function permissionFlag(): string {
  return process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
}

/**
 * Run `script`, a file in `dir`, in a child Node under the permission model: for code from an
 * archive someone else signed (a package's `main`). It reads only `dir`, writes nothing, spawns
 * nothing, gets no environment, and is killed past `timeoutMs` or `maxOutputBytes` of output.
 * Never rejects on the child's failure: the caller reads exitCode, timedOut and stderr.
 */
export interface SandboxedOutcome {
  exitCode: number | undefined;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** execa's one line on why it failed (a signal, the output bound). */
  shortMessage: string | undefined;
}

export async function runSandboxedNode(dir: string, script: string, limits: { timeoutMs: number; maxOutputBytes: number }): Promise<SandboxedOutcome> {
  const result = await execa(process.execPath, [permissionFlag(), `--allow-fs-read=${dir}`, '--no-warnings', join(dir, script)], {
    cwd: dir,
    timeout: limits.timeoutMs,
    maxBuffer: limits.maxOutputBytes,
    reject: false,
    env: {},
    extendEnv: false,
    stdin: 'ignore',
  });
  return { exitCode: result.exitCode, timedOut: result.timedOut, stdout: result.stdout, stderr: result.stderr, shortMessage: result.failed ? result.shortMessage : undefined };
}
