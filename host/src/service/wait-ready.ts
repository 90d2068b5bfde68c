import { HearthError, errorMessage, type ServiceStatus } from '@hearth/sdk/contract';

/** How long `service.start` with `waitReady` waits when the caller gives no `timeoutMs`. */
export const DEFAULT_READY_TIMEOUT_MS = 120_000;

/**
 * Resolves with the status once every daemon of `id` is ready; rejects when one fails, when the
 * service is stopped (by a later call) or uninstalled, or when `timeoutMs` is up. `changes` emits
 * `id` on every change of the service; `status` throws once it is uninstalled.
 */
/** Where waitReady hears that a service changed (ServiceEvents; an EventEmitter in tests). */
export interface ChangeSource {
  on(id: string, listener: () => void): unknown;
  off(id: string, listener: () => void): unknown;
}

export async function waitReady(changes: ChangeSource, id: string, status: () => ServiceStatus, timeoutMs: number, logsDir: string): Promise<ServiceStatus> {
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
        // Readiness cannot come any more: say so now, with the daemon and its last lines, not at the timeout.
        const failed = current.daemons.find((d) => d.state === 'failed');
        const why = failed ? `daemon ${failed.id} failed: ${failed.message ?? 'no reason given'}` : (current.message ?? current.state);
        done(() =>
          reject(
            // One line (it is quoted inside UPDATE_FAILED); the daemon's last lines go in the details.
            new HearthError('DAEMON_FAILED', `${id} cannot become ready: ${why}`, {
              hint: `see \`hearth status ${id}\` and \`hearth logs ${id}\` (files in ${logsDir})`,
              details: { daemons: current.daemons, ...(failed?.lastLines && { lastLines: failed.lastLines }) },
            }),
          ),
        );
      }
    };
    const timer = setTimeout(() => {
      let details: Record<string, unknown> = {};
      let waitingFor = '';
      try {
        const current = status();
        details = { status: current };
        const notReady = current.daemons.filter((d) => (d.kind === 'task' ? d.state !== 'exited' : d.state !== 'ready'));
        if (notReady.length > 0) waitingFor = `: ${notReady.map((d) => `${d.id} is ${d.state}${d.message ? ` (${d.message})` : ''}`).join('; ')}`;
      } catch {
        // uninstalled in the meantime: the timeout is still the news
      }
      done(() =>
        reject(
          new HearthError('TIMEOUT', `${id} was not ready within ${timeoutMs} ms${waitingFor}`, {
            hint: `wait longer with --timeout, or see \`hearth status ${id}\` and \`hearth logs ${id}\``,
            details,
          }),
        ),
      );
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
