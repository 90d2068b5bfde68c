import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { useRoute } from '../router.js';
import { useTask } from '../task.js';
import { ErrorNote } from './state.js';

/** Uninstall after a confirmation that asks whether its data goes too (package.uninstall, purge). */
export function Uninstall({ api, id, title }: { api: Api; id: string; title: string }) {
  const { navigate } = useRoute();
  const [asking, setAsking] = useState(false);
  const [purge, setPurge] = useState(false);
  const { busy, error, run: runTask } = useTask();
  const question = useRef<HTMLInputElement>(null);
  // The button that opened the question is gone: keyboard focus moves to the question's first control.
  useEffect(() => void (asking && question.current?.focus()), [asking]);
  if (!asking) {
    return (
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        Uninstall {title}…
      </button>
    );
  }
  const run = async (): Promise<void> => {
    if (await runTask(async () => (await api.call('package.uninstall', { id, purge }), null))) navigate('/');
  };
  return (
    <div class="card confirm" role="group" aria-labelledby="uninstall-q">
      <p id="uninstall-q">
        <strong>Uninstall {title}?</strong> It is stopped and its package removed.
      </p>
      <label class="check">
        <input ref={question} type="checkbox" checked={purge} onChange={(e) => setPurge(e.currentTarget.checked)} />
        <span>Also delete its data (its volumes, secrets and logs). This cannot be undone. Unticked, they are kept for a later install of {id}.</span>
      </label>
      {error ? <ErrorNote error={error} prefix={`Could not uninstall ${title}`} /> : null}
      <div class="buttons">
        <button type="button" class="danger" disabled={busy} onClick={() => void run()}>
          {purge ? `Uninstall ${title} and delete its data` : `Uninstall ${title}, keep its data`}
        </button>
        <button type="button" disabled={busy} onClick={() => setAsking(false)}>
          Cancel
        </button>
      </div>
      <p class="progress" role="status" aria-live="polite">
        {busy ? `Uninstalling ${title}…` : null}
      </p>
    </div>
  );
}
