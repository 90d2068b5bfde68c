import { useEffect, useState } from 'preact/hooks';
import type { ConfigChange, ServiceSettings } from '@hearth/sdk/contract';
import type { Api } from '../api.js';
import { InputForm } from './input-form.js';
import { ErrorNote } from './state.js';
import { asError } from '../task.js';

/** The service's settings (config.get) as a form; a change goes through config.set, all or nothing. */
export function Settings({ api, id }: { api: Api; id: string }) {
  const [config, setConfig] = useState<ServiceSettings | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    let current = true;
    api.call('config.get', { id }).then(
      (c) => current && setConfig(c),
      (e: unknown) => current && setError(asError(e)),
    );
    return () => void (current = false);
  }, [api, id]);
  if (error) return <ErrorNote error={error} prefix="Could not read its settings" />;
  if (config === null) return <p class="muted">Loading its settings…</p>;
  if (Object.keys(config.schema).length === 0) return <p class="muted">It has no settings.</p>;
  return (
    <>
      {config.missing.length > 0 ? <p class="warn-text">It does not start until these are set: {config.missing.join(', ')}.</p> : null}
      <InputForm
        schema={config.schema}
        current={config.settings}
        name="Settings"
        submitLabel="Save settings"
        busyLabel="Saving"
        onlyChanged
        onSubmit={async (values) => {
          const change = await api.call('config.set', { id, values });
          setConfig({ ...config, settings: change.settings, missing: config.missing.filter((k) => !(k in values)) });
          return appliedInWords(change);
        }}
      />
    </>
  );
}

/** What a change of settings or secrets did, in words. */
export function appliedInWords(change: ConfigChange): string {
  const restarted = change.reconfigured?.restarted ?? [];
  if (change.applied === 'reconfigured') return `Saved and applied${restarted.length > 0 ? `: restarted ${restarted.join(', ')}` : ''}.`;
  if (change.applied === 'restart-needed') return `Saved; restart it to apply${change.warning ? ` (${change.warning})` : ''}.`;
  return 'Saved: it applies at the next start.';
}
