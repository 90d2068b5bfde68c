import { useEffect, useRef, useState } from 'preact/hooks';
import type { HostEvent, InstallPhase, PackageSummary } from '@hearth/sdk/contract';
import { ApiError, type Api, type Upload } from '../api.js';
import { ErrorNote } from '../components/state.js';
import { Link } from '../router.js';
import { asError } from '../task.js';
import { grantedWords } from '../network-words.js';

type Step =
  | { kind: 'idle' }
  | { kind: 'uploading'; sent: number; total: number }
  | { kind: 'installing'; phase: InstallPhase; bytes: number; total: number }
  | { kind: 'untrusted'; upload: Upload; fingerprint: string; publicKey: string; message: string }
  | { kind: 'done'; pkg: PackageSummary }
  | { kind: 'failed'; error: Error };

/** Where each phase sits on the one bar (percent): the upload is half of the way, verifying most of the rest. */
const PHASE_SPAN: Record<InstallPhase | 'uploading', [number, number]> = {
  uploading: [0, 50],
  downloading: [0, 50], // a registry install (the store page): the download stands where the upload does
  copying: [50, 60],
  verifying: [60, 88],
  committing: [88, 94],
  starting: [94, 99],
  done: [100, 100],
};
const PHASE_WORDS: Record<InstallPhase | 'uploading', string> = {
  uploading: 'Uploading',
  downloading: 'Downloading from the registry',
  copying: 'Copying into the store',
  verifying: 'Verifying the signature and every digest',
  committing: 'Committing',
  starting: 'Starting the new version and waiting until it is ready',
  done: 'Done',
};

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Upload an .hpk and install it (or update the installed package it names), with one progress bar through upload, verify and commit. */
export function Install({ api }: { api: Api }) {
  const updating = new URLSearchParams(location.search).get('update');
  const [file, setFile] = useState<File | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [publisherName, setPublisherName] = useState('');
  const running = useRef<AbortController | null>(null);
  useEffect(() => () => running.current?.abort(), []);
  const trustHeading = useRef<HTMLHeadingElement>(null);
  // The trust question appears after a wait: focus goes there so a keyboard or screen reader user meets it.
  useEffect(() => void (step.kind === 'untrusted' && trustHeading.current?.focus()), [step.kind]);

  const install = async (upload: Upload, controller: AbortController): Promise<void> => {
    setStep({ kind: 'installing', phase: 'copying', bytes: 0, total: upload.bytes });
    // Subscribed before the install starts, so its first progress event is not missed.
    await api.stream(
      'events.subscribe',
      { services: [] },
      (name, params) => {
        const event = params as HostEvent;
        if (name !== 'event' || event.type !== 'install.progress' || event.path !== upload.path) return;
        setStep((s) => (s.kind === 'installing' ? { kind: 'installing', phase: event.phase, bytes: event.bytes, total: event.totalBytes } : s));
      },
      controller.signal,
      () => undefined,
    );
    try {
      const pkg = await api.call('package.install', { upload: upload.upload, ...(updating ? { expectId: updating } : {}) });
      setStep({ kind: 'done', pkg });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'UNTRUSTED_SIGNER' && typeof e.details?.fingerprint === 'string' && typeof e.details.publicKey === 'string') {
        setStep({ kind: 'untrusted', upload, fingerprint: e.details.fingerprint, publicKey: e.details.publicKey, message: e.message });
      } else throw e;
    } finally {
      controller.abort();
    }
  };

  const start = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (file === null) return setStep({ kind: 'failed', error: new Error('choose a package file (.hpk) first') });
    if (!file.name.toLowerCase().endsWith('.hpk')) return setStep({ kind: 'failed', error: new ApiError(`${file.name} is not an .hpk file`, 0, 'choose a package file made by hearth-pack (NAME.hpk)') });
    const controller = new AbortController();
    running.current = controller;
    try {
      setStep({ kind: 'uploading', sent: 0, total: file.size });
      const upload = await api.upload(file, (sent, total) => setStep({ kind: 'uploading', sent, total }), controller.signal);
      await install(upload, new AbortController());
    } catch (e) {
      setStep({ kind: 'failed', error: asError(e) });
    }
  };

  const trustAndInstall = async (s: Extract<Step, { kind: 'untrusted' }>): Promise<void> => {
    try {
      await api.call('trust.add', { publicKey: s.publicKey, ...(publisherName.trim() ? { name: publisherName.trim() } : {}) });
      await install(s.upload, new AbortController());
    } catch (e) {
      setStep({ kind: 'failed', error: asError(e) });
    }
  };

  const busy = step.kind === 'uploading' || step.kind === 'installing';
  return (
    <main id="main">
      <h1>{updating ? `Update ${updating}` : 'Install a package'}</h1>
      <p>
        {updating
          ? `Choose the new version's .hpk file. It must be ${updating}, signed by the same publisher; if it runs, it restarts on the new version, and goes back to the old one if the new one does not become ready.`
          : 'Choose an .hpk file. hearthd checks its signature and every digest before anything is installed. Uploading a newer version of an installed package updates it.'}
      </p>
      <form class="form card" onSubmit={(e) => void start(e)} aria-label="Upload a package">
        <label>
          Package file (.hpk)
          <input type="file" accept=".hpk" disabled={busy} onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        </label>
        <div class="buttons">
          <button type="submit" class="primary" disabled={busy || file === null}>
            {updating ? `Upload and update ${updating}` : 'Upload and install'}
          </button>
        </div>
      </form>
      <Progress step={step} />
      {step.kind === 'untrusted' ? (
        <section class="card trust" aria-labelledby="trust-h">
          <h2 id="trust-h" ref={trustHeading} tabIndex={-1}>
            Unknown publisher
          </h2>
          <p>{step.message}.</p>
          <p>Install it only if you trust whoever holds this key. Compare its fingerprint with the one the publisher gives you:</p>
          <p>
            <code class="fingerprint" aria-label={`Fingerprint ${step.fingerprint}`}>
              {step.fingerprint.match(/.{1,8}/g)?.join(' ')}
            </code>
          </p>
          <label class="form">
            Publisher name (for your list of trusted publishers)
            <input type="text" value={publisherName} onInput={(e) => setPublisherName(e.currentTarget.value)} />
          </label>
          <div class="buttons">
            <button type="button" class="primary" onClick={() => void trustAndInstall(step)}>
              Trust this publisher and install
            </button>
            <button type="button" onClick={() => setStep({ kind: 'idle' })}>
              Cancel
            </button>
          </div>
        </section>
      ) : null}
      {step.kind === 'failed' ? <ErrorNote error={step.error} prefix="Not installed" /> : null}
      {step.kind === 'done' ? (
        <p class="card done">
          {step.pkg.updatedFrom ? `Updated ${step.pkg.title} from ${step.pkg.updatedFrom} to ${step.pkg.version}.` : `Installed ${step.pkg.title} ${step.pkg.version}.`}{' '}
          {grantedWords(step.pkg) ?? ''} <Link href={`/services/${encodeURIComponent(step.pkg.id)}`}>Open {step.pkg.title}</Link>
        </p>
      ) : null}
    </main>
  );
}

function Progress({ step }: { step: Step }) {
  if (step.kind !== 'uploading' && step.kind !== 'installing' && step.kind !== 'done') return null;
  const phase = step.kind === 'uploading' ? 'uploading' : step.kind === 'done' ? 'done' : step.phase;
  const [from, to] = PHASE_SPAN[phase];
  const fraction = step.kind === 'uploading' ? step.sent / (step.total || 1) : step.kind === 'installing' && step.total > 0 ? step.bytes / step.total : 0;
  const percent = Math.round(from + (to - from) * Math.min(1, fraction));
  const words = step.kind === 'uploading' ? `${PHASE_WORDS.uploading} ${mib(step.sent)} of ${mib(step.total)}` : PHASE_WORDS[phase];
  return (
    <div class="install-progress">
      <label for="install-progress">{words}</label>
      <progress id="install-progress" max={100} value={percent} aria-valuetext={`${percent}%: ${words}`}>
        {percent}%
      </progress>
    </div>
  );
}
