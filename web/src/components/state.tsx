import type { ServiceState } from '@hearth/sdk/contract';
import type { DaemonState } from '@hearth/sdk/contract';
import { ApiError } from '../api.js';

/** The state in words, with a colour that only repeats them (never the only signal). */
export function StateBadge({ state, ready }: { state: ServiceState | DaemonState; ready?: boolean }) {
  const text = state === 'running' && ready === false ? 'running, not ready' : state;
  const tone = state === 'running' || state === 'ready' ? (ready === false ? 'warn' : 'ok') : state === 'failed' || state === 'not-ready' ? 'bad' : state === 'stopped' || state === 'exited' ? 'off' : 'busy';
  return <span class={`badge badge-${tone}`} data-state={state}>{text}</span>;
}

/** An error as a sentence, and hearthd's hint on what to do. */
export function ErrorNote({ error, prefix }: { error: Error | null; prefix?: string }) {
  if (error === null) return null;
  const hint = error instanceof ApiError ? error.hint : undefined;
  return (
    <div class="error" role="alert">
      <p>
        {prefix ? `${prefix}: ` : ''}
        {error.message}
      </p>
      {hint ? <p class="hint">{hint}</p> : null}
    </div>
  );
}

export function ConnectionNote({ connection }: { connection: 'connecting' | 'live' | 'reconnecting' }) {
  if (connection === 'live') return null;
  return (
    <p class="connection" role="status">
      {connection === 'connecting' ? 'Connecting to hearthd…' : 'Lost the live connection to hearthd; trying again…'}
    </p>
  );
}
