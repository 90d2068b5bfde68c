import { useEffect, useRef, useState } from 'preact/hooks';
import type { TrustedKeyInfo } from '@hearth/sdk/contract';
import type { Api } from '../api.js';
import { ErrorNote } from '../components/state.js';
import { asError, useTask } from '../task.js';

const grouped = (fingerprint: string): string => fingerprint.match(/.{1,8}/g)?.join(' ') ?? fingerprint;

/** The publisher keys this host trusts (trust.list), add one by pasting it (trust.add), remove one after a confirmation (trust.remove). */
export function Publishers({ api }: { api: Api }) {
  const [keys, setKeys] = useState<TrustedKeyInfo[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const load = (): Promise<void> =>
    api.call('trust.list', {}).then(
      (r) => (setKeys(r.keys), setError(null)),
      (e: unknown) => setError(asError(e)),
    );
  useEffect(() => void load(), [api]);
  return (
    <main id="main">
      <h1>Publishers</h1>
      <p>hearth installs a package only when a publisher you trust signed it. An update must come from the publisher that signed the installed version.</p>
      {error ? <ErrorNote error={error} /> : null}
      <p class="progress" role="status" aria-live="polite">
        {status}
      </p>
      <section aria-labelledby="keys-h">
        <h2 id="keys-h">Trusted publishers</h2>
        {keys === null ? null : keys.length === 0 ? (
          <p class="muted">None yet: add one below, or trust one when you install its package.</p>
        ) : (
          <ul class="publishers">
            {keys.map((k) => (
              <Publisher key={k.fingerprint} api={api} info={k} onRemoved={() => void load().then(() => setStatus(`No longer trusted: ${k.name || grouped(k.fingerprint)}.`))} />
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="add-h">
        <h2 id="add-h">Add a publisher</h2>
        <AddPublisher api={api} onAdded={(k) => void load().then(() => setStatus(`Trusted ${k.name || grouped(k.fingerprint)}.`))} />
      </section>
    </main>
  );
}

function Publisher({ api, info, onRemoved }: { api: Api; info: TrustedKeyInfo; onRemoved: () => void }) {
  const [asking, setAsking] = useState(false);
  const { error, run } = useTask();
  const label = info.name || 'Unnamed publisher';
  const cancel = useRef<HTMLButtonElement>(null);
  // The Remove… button is replaced by the question: focus goes to its safe answer.
  useEffect(() => void (asking && cancel.current?.focus()), [asking]);
  const remove = async (): Promise<void> => {
    if (await run(async () => (await api.call('trust.remove', { fingerprint: info.fingerprint }), null))) onRemoved();
  };
  return (
    <li class="card" data-fingerprint={info.fingerprint}>
      <h3>{label}</h3>
      <p>
        Fingerprint <code class="fingerprint">{grouped(info.fingerprint)}</code>
      </p>
      <p class="muted">Added {new Date(info.addedAt).toLocaleString()}</p>
      {asking ? (
        <div role="group" aria-label={`Confirm removing ${label}`}>
          <p>
            <strong>Stop trusting {label}?</strong> Its installed packages keep running; new packages it signs are refused until you trust it again.
          </p>
          <div class="buttons">
            <button type="button" class="danger" onClick={() => void remove()}>
              Remove {label}
            </button>
            <button ref={cancel} type="button" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div class="buttons">
          <button type="button" onClick={() => setAsking(true)} aria-label={`Remove ${label}…`}>
            Remove…
          </button>
        </div>
      )}
      {error ? <ErrorNote error={error} prefix={`Could not remove ${label}`} /> : null}
    </li>
  );
}

function AddPublisher({ api, onAdded }: { api: Api; onAdded: (k: TrustedKeyInfo) => void }) {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const { busy, error, run } = useTask();
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    await run(async () => {
      const added = await api.call('trust.add', { publicKey: key.trim(), ...(name.trim() ? { name: name.trim() } : {}) });
      setKey('');
      setName('');
      onAdded(added);
      return null;
    });
  };
  return (
    <form class="form card" aria-label="Add a publisher" onSubmit={(e) => void submit(e)} noValidate>
      <label>
        Name
        <input type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Public key (PEM, or the base64 key hearth-pack pubkey prints)
        <textarea rows={4} spellcheck={false} value={key} onInput={(e) => setKey(e.currentTarget.value)} />
      </label>
      {error ? <ErrorNote error={error} prefix="Not added" /> : null}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy || key.trim() === ''}>
          Trust this publisher
        </button>
      </div>
    </form>
  );
}
