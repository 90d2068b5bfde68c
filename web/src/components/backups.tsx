import { useEffect, useState } from 'preact/hooks';
import type { BackupPhase, BackupTargetInfo, HostEvent, SnapshotSummary } from '@hearth/sdk/contract';
import type { Api } from '../api.js';
import { asError, useTask } from '../task.js';
import { Confirm } from './confirm.js';
import { ErrorNote } from './state.js';

const PHASE_WORDS: Record<BackupPhase, string> = {
  preparing: 'Preparing',
  stopping: 'Stopping the service',
  hook: 'Running its backup hook',
  reading: 'Reading its data',
  restoring: 'Restoring its data',
  installing: 'Installing its package',
  committing: 'Putting the restored data in place',
  starting: 'Starting it',
  done: 'Done',
};

interface Progress {
  phase: BackupPhase;
  bytes: number;
  total: number;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * The service's backups: its snapshots in every target (backup.list), "Back up now" into a target
 * (backup.create) and restore of a snapshot over the service after a confirmation (backup.restore),
 * both with progress from the service's `backup.progress` events.
 */
export function Backups({ api, id }: { api: Api; id: string }) {
  const [targets, setTargets] = useState<BackupTargetInfo[] | null>(null);
  const [snapshots, setSnapshots] = useState<SnapshotSummary[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const load = (): Promise<void> =>
    Promise.all([api.call('backup.targetList', {}), api.call('backup.list', { id })]).then(
      ([t, s]) => (setTargets(t.targets), setSnapshots(s.snapshots), setError(null)),
      (e: unknown) => setError(asError(e)),
    );
  useEffect(() => void load(), [api, id]);
  if (error) return <ErrorNote error={error} prefix="Could not list its backups" />;
  if (targets === null || snapshots === null) return <p class="muted">Loading its backups…</p>;
  if (targets.length === 0) {
    return (
      <p class="muted">
        No backup target yet. As root on the host: <code>hearth backup target add NAME /path/to/disk</code> (its password is shown once: keep it).
      </p>
    );
  }
  return (
    <div class="backups">
      <BackUpNow api={api} id={id} targets={targets} onDone={() => void load()} />
      {snapshots.length === 0 ? (
        <p class="muted">No backups of {id} yet.</p>
      ) : (
        <ul class="snapshots">
          {[...snapshots].reverse().map((s) => (
            <Snapshot key={`${s.target}/${s.id}`} api={api} id={id} snapshot={s} />
          ))}
        </ul>
      )}
    </div>
  );
}

/** Follow this service's backup.progress events while `work` runs. */
function useProgress(api: Api, id: string, operation: 'backup' | 'restore') {
  const [progress, setProgress] = useState<Progress | null>(null);
  const task = useTask();
  const run = (work: () => Promise<string>): Promise<boolean> =>
    task.run(async () => {
      const controller = new AbortController();
      // Subscribed before the call, so its first progress event is not missed.
      await api.stream(
        'events.subscribe',
        { services: [id] },
        (name, params) => {
          const event = params as HostEvent;
          if (name === 'event' && event.type === 'backup.progress' && event.operation === operation) setProgress({ phase: event.phase, bytes: event.bytes, total: event.totalBytes });
        },
        controller.signal,
        () => undefined,
      );
      setProgress({ phase: 'preparing', bytes: 0, total: 0 });
      try {
        return await work();
      } finally {
        controller.abort();
        setProgress(null);
      }
    });
  return { ...task, run, progress };
}

function ProgressBar({ label, progress }: { label: string; progress: Progress }) {
  const words = `${PHASE_WORDS[progress.phase]}${progress.total > 0 ? ` (${mib(progress.bytes)} of ${mib(progress.total)})` : ''}`;
  const percent = progress.total > 0 ? Math.round((100 * Math.min(progress.bytes, progress.total)) / progress.total) : undefined;
  return (
    <div class="install-progress">
      <label for={label}>{words}</label>
      <progress id={label} max={100} value={percent} aria-valuetext={percent === undefined ? words : `${percent}%: ${words}`} />
    </div>
  );
}

function BackUpNow({ api, id, targets, onDone }: { api: Api; id: string; targets: BackupTargetInfo[]; onDone: () => void }) {
  const [target, setTarget] = useState(targets[0]?.name ?? '');
  const { busy, result, error, run, progress } = useProgress(api, id, 'backup');
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const ok = await run(async () => {
      const made = await api.call('backup.create', { id, target });
      return `Backed up as ${made.shortId} in ${made.target}: ${mib(made.bytes ?? 0)} read, ${mib(made.bytesAdded)} new in ${(made.durationMs / 1000).toFixed(1)} s.`;
    });
    if (ok) onDone();
  };
  return (
    <form class="form" aria-label={`Back up ${id}`} onSubmit={(e) => void submit(e)} noValidate>
      <label>
        Target
        <select value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
          {targets.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name} ({t.repository})
            </option>
          ))}
        </select>
      </label>
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>
          Back up {id} now
        </button>
      </div>
      {progress ? <ProgressBar label={`backup-${id}-progress`} progress={progress} /> : null}
      {error ? <ErrorNote error={error} prefix={`Could not back up ${id}`} /> : null}
      <p class="progress" role="status" aria-live="polite">
        {busy ? `Backing up ${id}…` : result}
      </p>
    </form>
  );
}

function Snapshot({ api, id, snapshot: s }: { api: Api; id: string; snapshot: SnapshotSummary }) {
  const [asking, setAsking] = useState(false);
  const { busy, result, error, run, progress, clear } = useProgress(api, id, 'restore');
  const question = `restore-${s.shortId}-q`;
  const restore = async (): Promise<void> => {
    const ok = await run(async () => {
      const done = await api.call('backup.restore', { id, snapshot: s.id, target: s.target, overwrite: true });
      return `Restored ${id} ${done.version} from ${s.shortId}; it is ${done.status.state}${done.status.ready ? ' and ready' : ''}.`;
    });
    if (ok) setAsking(false);
  };
  const when = new Date(s.time).toLocaleString();
  return (
    <li class="card" data-snapshot={s.shortId}>
      <p>
        <strong>{when}</strong> · {s.target} · version {s.version} · {s.mode === 'hot' ? 'taken while running' : 'taken stopped'}
        {s.bytes === null ? '' : ` · ${mib(s.bytes)}`} · <code>{s.shortId}</code>
      </p>
      {asking ? (
        <Confirm
          id={question}
          question={`Restore ${id} from the backup of ${when}? Its current data is replaced by the backup's: it is stopped, restored and started again.`}
          confirmLabel={`Restore ${s.shortId}`}
          busy={busy}
          onConfirm={() => void restore()}
          onCancel={() => setAsking(false)}
        />
      ) : (
        <button type="button" onClick={() => (setAsking(true), clear())}>
          Restore {s.shortId}…
        </button>
      )}
      {progress ? <ProgressBar label={`restore-${s.shortId}-progress`} progress={progress} /> : null}
      {error ? <ErrorNote error={error} prefix={`Could not restore ${s.shortId}`} /> : null}
      <p class="progress" role="status" aria-live="polite">
        {busy ? `Restoring ${id}…` : result}
      </p>
    </li>
  );
}
