import { useState } from 'preact/hooks';
import type { ServiceState, ServiceStatus } from '@hearth/sdk/contract';
import type { Api } from '../api.js';
import { ErrorNote } from './state.js';
import { asError } from '../task.js';

type Verb = 'start' | 'stop' | 'restart';
const DOING: Record<Verb, string> = { start: 'Starting', stop: 'Stopping', restart: 'Restarting' };

/** Start, stop and restart, through the same service.* methods as `hearth start|stop|restart`. */
export function ServiceControls({ api, id, title, state, onStatus }: { api: Api; id: string; title: string; state: ServiceState; onStatus?: (s: ServiceStatus) => void }) {
  const [pending, setPending] = useState<Verb | null>(null);
  const [error, setError] = useState<{ verb: Verb; error: Error } | null>(null);
  const run = async (verb: Verb): Promise<void> => {
    setPending(verb);
    setError(null);
    try {
      const status = await api.call(`service.${verb}`, { id });
      onStatus?.(status);
    } catch (e) {
      setError({ verb, error: asError(e) });
    } finally {
      setPending(null);
    }
  };
  const canStart = state === 'stopped' || state === 'failed';
  const canStop = state !== 'stopped';
  return (
    <div class="controls">
      <div class="buttons" role="group" aria-label={`Control ${title}`}>
        {canStart ? (
          <button type="button" disabled={pending !== null} onClick={() => void run('start')} aria-label={`Start ${title}`}>
            Start
          </button>
        ) : null}
        {canStop ? (
          <button type="button" disabled={pending !== null} onClick={() => void run('stop')} aria-label={`Stop ${title}`}>
            Stop
          </button>
        ) : null}
        <button type="button" disabled={pending !== null || state === 'stopped'} onClick={() => void run('restart')} aria-label={`Restart ${title}`}>
          Restart
        </button>
      </div>
      <p class="progress" role="status" aria-live="polite">
        {pending ? (
          <>
            <span class="spinner" aria-hidden="true" /> {DOING[pending]} {title}…
          </>
        ) : null}
      </p>
      {error ? <ErrorNote error={error.error} prefix={`Could not ${error.verb} ${title}`} /> : null}
    </div>
  );
}
