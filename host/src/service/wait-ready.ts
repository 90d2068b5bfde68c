import type { EventEmitter } from 'node:events';
import { HearthError, errorMessage, type ServiceStatus } from '@hearth/sdk/contract';

/**
 * Resolves with the status once every daemon of `id` is ready; rejects when one fails, when the
 * service is stopped (by a later call) or uninstalled, or when `timeoutMs` is up. `changes` emits
 * `id` on every change of the service; `status` throws once it is uninstalled.
 */
export async function waitReady(changes: EventEmitter, id: string, status: () => ServiceStatus, timeoutMs: number, logsDir: string): Promise<ServiceStatus> {
  return await new Promise((resolve, reject) => {
    const check = (): void => {
      let current: ServiceStatus;
      try {
        current = status();
      } catch (error) {
        done(() => reject(error instanceof HearthError ? error : new HearthError('INTERNAL', errorMessage(error), { cause: error }))); // uninstalled meanwhile
        return;
      }
      if (current.ready) done(() => resolve(current));
      else if (current.state === 'stopped') {
        done(() =>
          reject(
            new HearthError('SERVICE_NOT_RUNNING', `${id} was stopped before it became ready, by a stop, restart, update or uninstall that came after this start`, {
              hint: `see \`hearth status ${id}\``,
            }),
          ),
        );
      } else if (current.state === 'failed') {
        done(() =>
          reject(
            new HearthError('DAEMON_FAILED', `${id} failed to become ready: ${current.message ?? current.state}`, {
              hint: `see \`hearth status ${id}\` and the logs in ${logsDir}`,
              details: { daemons: current.daemons },
            }),
          ),
        );
      }
    };
    const timer = setTimeout(() => {
      let details: Record<string, unknown> = {};
      try {
        details = { status: status() };
      } catch {
        // uninstalled in the meantime: the timeout is still the news
      }
      done(() => reject(new HearthError('TIMEOUT', `${id} was not ready within ${timeoutMs} ms`, { details })));
    }, timeoutMs);
    const done = (settle: () => void): void => {
      clearTimeout(timer);
      changes.off(id, check);
      settle();
    };
    changes.on(id, check);
    check();
  });
}
