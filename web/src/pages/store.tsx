import { useEffect, useState } from 'preact/hooks';
import type { HostEvent, RegistryPackageInfo, RegistryPlanItem } from '@hearth/sdk/contract';
import type { Api } from '../api.js';
import { ErrorNote } from '../components/state.js';

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/**
 * What the registries offer (registry.search), each package installable or updatable from here
 * (registry.plan, then registry.install): missing dependencies are listed for the user to confirm
 * first, and the download shows as a progress bar from the install's `downloading` events.
 */
export function Store({ api }: { api: Api }) {
  const [words, setWords] = useState('');
  const [packages, setPackages] = useState<RegistryPackageInfo[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const search = (text: string): Promise<void> =>
    api.call('registry.search', { words: text.split(/\s+/).filter(Boolean) }).then(
      (r) => (setPackages(r.packages), setError(null)),
      (e: unknown) => setError(asError(e)),
    );
  useEffect(() => void search(''), [api]);
  return (
    <main id="main">
      <h1>Store</h1>
      <p>Packages from the registries this host reads. Each index is checked against its registry's key, and each download against the index, before the package's own signature.</p>
      <form
        class="form card"
        role="search"
        aria-label="Search packages"
        onSubmit={(e) => {
          e.preventDefault();
          void search(words);
        }}
      >
        <label>
          Search
          <input type="search" value={words} onInput={(e) => setWords(e.currentTarget.value)} />
        </label>
        <div class="buttons">
          <button type="submit">Search</button>
        </div>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {packages === null ? null : packages.length === 0 ? (
        <p class="muted">No package matches.</p>
      ) : (
        <ul class="store">
          {packages.map((p) => (
            <StorePackage key={`${p.registry}/${p.id}`} api={api} info={p} onInstalled={() => void search(words)} />
          ))}
        </ul>
      )}
    </main>
  );
}

type Step = { kind: 'idle' } | { kind: 'confirm'; plan: RegistryPlanItem[] } | { kind: 'installing'; bytes: number; total: number } | { kind: 'done'; version: string } | { kind: 'failed'; error: Error };

function StorePackage({ api, info, onInstalled }: { api: Api; info: RegistryPackageInfo; onInstalled: () => void }) {
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const upToDate = info.installed === info.latest;
  const action = info.installed === null ? 'Install' : 'Update';

  const install = async (plan: RegistryPlanItem[]): Promise<void> => {
    setStep({ kind: 'installing', bytes: 0, total: plan.reduce((sum, p) => sum + p.size, 0) });
    const controller = new AbortController();
    // Subscribed before the install starts, so the first download event is not missed.
    await api.stream(
      'events.subscribe',
      { services: [] },
      (name, params) => {
        const event = params as HostEvent;
        if (name !== 'event' || event.type !== 'install.progress' || event.phase !== 'downloading' || !event.path.split('/').pop()?.startsWith(`${info.id}-`)) return;
        setStep((s) => (s.kind === 'installing' ? { kind: 'installing', bytes: event.bytes, total: event.totalBytes } : s));
      },
      controller.signal,
      () => undefined,
    );
    try {
      const pkg = await api.call('registry.install', { id: info.id, registry: info.registry, ...(plan.length > 1 && { dependencies: true }) });
      setStep({ kind: 'done', version: pkg.version });
      onInstalled();
    } finally {
      controller.abort();
    }
  };

  const start = async (): Promise<void> => {
    try {
      const { plan } = await api.call('registry.plan', { id: info.id, registry: info.registry });
      if (plan.some((p) => !p.requested)) return setStep({ kind: 'confirm', plan });
      await install(plan);
    } catch (e) {
      setStep({ kind: 'failed', error: asError(e) });
    }
  };

  const label = `${info.title} (${info.id})`;
  return (
    <li class="card" data-package={info.id}>
      {info.icon ? <img class="store-icon" src={info.icon} alt="" width={48} height={48} /> : null}
      <h2>{info.title}</h2>
      <p>{info.description || <span class="muted">No description.</span>}</p>
      <p class="muted">
        {info.id} {info.latest} · {mib(info.versions[0]?.size ?? 0)} · from {info.registry}
        {info.installed !== null ? ` · installed: ${info.installed}` : ''}
      </p>
      {step.kind === 'confirm' ? (
        <div role="group" aria-label={`Confirm installing ${label} with its dependencies`}>
          <p>
            <strong>{info.title} needs other packages.</strong> This installs:
          </p>
          <ul>
            {step.plan.map((p) => (
              <li key={p.id}>
                {p.id} {p.version} ({mib(p.size)}){p.requested ? '' : ', a dependency'}
              </li>
            ))}
          </ul>
          <div class="buttons">
            <button type="button" class="primary" onClick={() => void install(step.plan).catch((e: unknown) => setStep({ kind: 'failed', error: asError(e) }))}>
              Install all {step.plan.length}
            </button>
            <button type="button" onClick={() => setStep({ kind: 'idle' })}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div class="buttons">
          <button type="button" class="primary" disabled={upToDate || step.kind === 'installing'} onClick={() => void start()} aria-label={`${action} ${label}`}>
            {upToDate ? 'Installed' : `${action} ${info.latest}`}
          </button>
        </div>
      )}
      <p class="progress" role="status" aria-live="polite">
        {step.kind === 'installing' ? (
          <>
            Downloading and installing… <progress max={step.total || 1} value={step.bytes} /> {mib(step.bytes)} of {mib(step.total)}
          </>
        ) : step.kind === 'done' ? (
          `${info.title} ${step.version} is installed.`
        ) : null}
      </p>
      {step.kind === 'failed' ? <ErrorNote error={step.error} prefix={`${action} failed`} /> : null}
    </li>
  );
}
