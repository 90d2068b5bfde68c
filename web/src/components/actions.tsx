import { useEffect, useState } from 'preact/hooks';
import type { ActionInfo, ServiceState } from '@hearth/sdk/contract';
import type { Api } from '../api.js';
import { InputForm } from './input-form.js';
import { ErrorNote } from './state.js';
import { asError } from '../task.js';

/** A running service's actions (action.list), each a form from its typed input; its result message below. */
export function Actions({ api, id, state }: { api: Api; id: string; state: ServiceState }) {
  const [actions, setActions] = useState<ActionInfo[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const running = state === 'running';
  useEffect(() => {
    if (!running) return;
    let current = true;
    api.call('action.list', { id }).then(
      (r) => current && (setActions(r.actions), setError(null)),
      (e: unknown) => current && setError(asError(e)),
    );
    return () => void (current = false);
  }, [api, id, running]);
  if (!running) return <p class="muted">Its actions are offered while it runs.</p>;
  if (error) return <ErrorNote error={error} prefix="Could not list its actions" />;
  if (actions === null) return <p class="muted">Loading its actions…</p>;
  if (actions.length === 0) return <p class="muted">It offers no actions.</p>;
  return (
    <div class="action-list">
      {actions.map((a) => (
        <section key={a.id} class="card action" data-action={a.id} aria-labelledby={`action-${a.id}-h`}>
          <h3 id={`action-${a.id}-h`}>{a.name}</h3>
          <p class="muted">{a.description}</p>
          <InputForm
            schema={a.input}
            name={`Action ${a.name}`}
            submitLabel={`Run ${a.name}`}
            busyLabel={`Running ${a.name}`}
            onSubmit={async (input) => {
              const result = await api.call('action.run', { id, action: a.id, input });
              return result.message || `${a.name} finished.`;
            }}
          />
        </section>
      ))}
    </div>
  );
}
