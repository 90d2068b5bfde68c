import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import { HearthError, type ServiceStatus } from '@hearth/sdk/contract';
import { waitReady } from './wait-ready.js';

const status = (over: Partial<ServiceStatus>): ServiceStatus => ({ id: 'web', version: '1.0.0', state: 'starting', ready: false, container: null, daemons: [], interfaces: [], ...over });

/** A service whose status the test moves, announcing each change as the manager does. */
function service(initial: ServiceStatus) {
  const changes = new EventEmitter();
  let current: ServiceStatus | null = initial;
  return {
    changes,
    status: () => {
      if (current === null) throw new HearthError('PACKAGE_NOT_INSTALLED', 'no package "web" is installed');
      return current;
    },
    set(next: ServiceStatus | null, announce = true) {
      current = next;
      if (announce) changes.emit('web');
    },
  };
}

describe('waitReady', () => {
  test('resolves with the status once the service is ready, and stops listening', async () => {
    const s = service(status({}));
    const waiting = waitReady(s.changes, 'web', s.status, 10_000, '/logs/web');
    s.set(status({ state: 'running', ready: true }));
    await expect(waiting).resolves.toMatchObject({ ready: true });
    expect(s.changes.listenerCount('web')).toBe(0);
  });

  test('a service stopped by a later call is SERVICE_NOT_RUNNING, a failed one DAEMON_FAILED with its message', async () => {
    const stopped = service(status({}));
    const a = waitReady(stopped.changes, 'web', stopped.status, 10_000, '/logs/web');
    stopped.set(status({ state: 'stopped' }));
    await expect(a).rejects.toMatchObject({ code: 'SERVICE_NOT_RUNNING' });

    const failed = service(status({}));
    const b = waitReady(failed.changes, 'web', failed.status, 10_000, '/logs/web');
    failed.set(status({ state: 'failed', message: 'the container runtime disconnected' }));
    await expect(b).rejects.toMatchObject({ code: 'DAEMON_FAILED', message: 'web cannot become ready: the container runtime disconnected' });
  });

  test('a daemon that fails ends the wait at once, naming it and its reason, with its last lines in the details', async () => {
    const s = service(status({}));
    const waiting = waitReady(s.changes, 'web', s.status, 60_000, '/logs/web');
    const db = { id: 'db', state: 'failed' as const, message: 'readiness command cannot be executed: /bin/pg_isready: not found', since: 1, lastLines: ['starting', 'bye'] };
    s.set(status({ state: 'failed', message: db.message, daemons: [{ id: 'web', state: 'waiting', since: 1 }, db] }));
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DAEMON_FAILED', details: { lastLines: ['starting', 'bye'] } });
    expect((error as Error).message).toBe('web cannot become ready: daemon db failed: readiness command cannot be executed: /bin/pg_isready: not found');
  });

  test('the time running out says which daemons it was still waiting for', async () => {
    const s = service(status({ daemons: [{ id: 'db', state: 'ready', since: 1 }, { id: 'web', state: 'starting', message: 'waiting for port 80', since: 1 }] }));
    await expect(waitReady(s.changes, 'web', s.status, 20, '/logs/web')).rejects.toMatchObject({ code: 'TIMEOUT', message: 'web was not ready within 20 ms: web is starting (waiting for port 80)' });
  });

  test('an uninstall while waiting rejects with its error; the time running out is TIMEOUT, even once uninstalled', async () => {
    const gone = service(status({}));
    const a = waitReady(gone.changes, 'web', gone.status, 10_000, '/logs/web');
    gone.set(null);
    await expect(a).rejects.toMatchObject({ code: 'PACKAGE_NOT_INSTALLED' });

    const slow = service(status({}));
    const b = waitReady(slow.changes, 'web', slow.status, 20, '/logs/web');
    slow.set(null, false); // gone without a word: the timer must not throw when it asks for the status
    await expect(b).rejects.toMatchObject({ code: 'TIMEOUT', message: 'web was not ready within 20 ms' });
  });
});
