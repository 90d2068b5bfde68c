import { randomUUID } from 'node:crypto';
import { DEFAULT_EXEC_TIMEOUT_MS, type ExecOutput, type ExecParams, type ExecResult } from '@hearth/sdk/contract';
import type { RpcPeer } from '@hearth/sdk/rpc';
import type { Logger } from '../log.js';
import { requestRuntime } from './runtime-results.js';

export const EXEC_TIMEOUT_MS = DEFAULT_EXEC_TIMEOUT_MS;
/** Extra time an RPC waits beyond the operation's own timeout, for the answer to travel. */
export const RPC_MARGIN_MS = 5_000;

/** Output callbacks of the execs in flight on one runtime link, by exec id. */
export type ExecListeners = Map<string, (output: ExecOutput) => void>;

/**
 * Run a command through the runtime, streaming its output to `onOutput`. When `signal` aborts (the
 * client hung up: Ctrl-C on `hearth exec`), the runtime is asked to kill it (`runtime.cancelExec`)
 * instead of leaving it running until its timeout.
 */
export async function runExec(
  runtime: RpcPeer,
  listeners: ExecListeners,
  params: Omit<ExecParams, 'execId'>,
  onOutput: (output: ExecOutput) => void,
  logger: Logger,
  signal?: AbortSignal,
): Promise<ExecResult> {
  const execId = randomUUID();
  listeners.set(execId, onOutput);
  const cancel = (): void => {
    listeners.delete(execId); // nobody is left to read its output
    requestRuntime(runtime, 'runtime.cancelExec', { execId }).then(
      ({ cancelled }) => logger.info('exec cancelled: its caller hung up', { execId, daemon: params.daemon, cancelled }),
      (error: unknown) => logger.warn('could not cancel an exec whose caller hung up', { execId, error: String(error) }),
    );
  };
  if (signal?.aborted) cancel();
  else signal?.addEventListener('abort', cancel, { once: true });
  try {
    const timeoutMs = params.timeoutMs ?? EXEC_TIMEOUT_MS;
    return await requestRuntime(runtime, 'runtime.exec', { ...params, execId, timeoutMs }, timeoutMs + RPC_MARGIN_MS);
  } finally {
    signal?.removeEventListener('abort', cancel);
    listeners.delete(execId);
  }
}
