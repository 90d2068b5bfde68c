import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { LogEntry } from '@hearth/sdk/contract';
import type { Api } from '../api.js';
import { RECONNECT_MS } from '../live.js';
import { ErrorNote } from './state.js';
import { asError } from '../task.js';

/** Lines kept on the page; older ones scroll away (the full log stays on the host). */
export const MAX_LINES = 1000;
const INITIAL_LINES = 200;
const SINCE: { label: string; ms: number | null }[] = [
  { label: 'the last 200 lines', ms: null },
  { label: 'the last 15 minutes', ms: 15 * 60_000 },
  { label: 'the last hour', ms: 3600_000 },
  { label: 'the last day', ms: 24 * 3600_000 },
];
const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** A service's logs, following live (service.logs with follow), filtered by daemon on the host. */
export function LogView({ api, id, daemons }: { api: Api; id: string; daemons: string[] }) {
  const [daemon, setDaemon] = useState('');
  const [since, setSince] = useState(0);
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [live, setLive] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const follow = (): void => {
      const sinceMs = SINCE[since]?.ms ?? null;
      api
        .stream(
          'service.logs',
          { id, follow: true, limit: sinceMs === null ? INITIAL_LINES : MAX_LINES, ...(daemon ? { daemon } : {}), ...(sinceMs === null ? {} : { since: Date.now() - sinceMs }) },
          (name, params) => {
            if (name === 'service.log') setEntries((list) => [...list, (params as { entry: LogEntry }).entry].slice(-MAX_LINES));
          },
          controller.signal,
          (e) => {
            if (controller.signal.aborted) return;
            setLive(false);
            if (e) setError(e);
            timer = setTimeout(follow, RECONNECT_MS);
          },
        )
        .then(
          (result) => {
            setEntries(result.entries);
            setError(null);
            setLive(true);
          },
          (e: unknown) => {
            if (controller.signal.aborted) return;
            setError(asError(e));
          },
        );
    };
    setEntries([]);
    setLive(false);
    follow();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, id, daemon, since]);

  // Keep the newest line in view unless the reader scrolled up to read.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [entries]);

  return (
    <div class="logs">
      <div class="log-filters">
        <label>
          Daemon
          <select value={daemon} onChange={(e) => setDaemon((e.currentTarget).value)}>
            <option value="">all</option>
            {[...new Set([...daemons, ...(daemon ? [daemon] : [])])].map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since
          <select value={String(since)} onChange={(e) => setSince(Number((e.currentTarget).value))}>
            {SINCE.map((s, i) => (
              <option key={s.label} value={String(i)}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <span class="muted" role="status">
          {live ? 'following live' : 'connecting…'}
        </span>
      </div>
      <ErrorNote error={error} prefix="The logs could not be read" />
      <div
        class="log-lines"
        ref={box}
        role="log"
        aria-label={`Logs of ${id}${daemon ? `, daemon ${daemon}` : ''}`}
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {entries.length === 0 ? <p class="muted">No lines yet.</p> : null}
        {entries.map((e, i) => (
          <div key={`${e.time}-${i}`} class={`log-line ${e.stream}`}>
            <time dateTime={new Date(e.time).toISOString()}>{time.format(e.time)}</time> <span class="daemon">{e.daemon}</span> <span class="text">{e.line}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
