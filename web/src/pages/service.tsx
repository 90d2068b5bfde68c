import type { ComponentChildren } from 'preact';
import type { DaemonStatus } from '@hearth/sdk/contract';
import type { Api } from '../api.js';
import { ServiceControls } from '../components/controls.js';
import { InterfaceLinks } from '../components/interfaces.js';
import { LogView } from '../components/logs.js';
import { Actions } from '../components/actions.js';
import { Settings } from '../components/settings.js';
import { Secrets } from '../components/secrets.js';
import { Backups } from '../components/backups.js';
import { Uninstall } from '../components/uninstall.js';
import { ConnectionNote, ErrorNote, StateBadge } from '../components/state.js';
import { useServiceStatus } from '../live.js';
import { Link } from '../router.js';
import { DependencyGraph } from '../components/graph.js';
import { Usage } from '../components/usage.js';
import { NetworkPanel } from '../components/network.js';

/** One service: its daemons and tasks (state, health, restarts, last exit), interfaces, controls and live logs. */
export function Service({ api, id }: { api: Api; id: string }) {
  const { status, setStatus, connection, error } = useServiceStatus(api, id);
  return (
    <main id="main">
      <p class="breadcrumb">
        <Link href="/">Services</Link> › {id}
      </p>
      <h1>
        {id} {status ? <StateBadge state={status.state} ready={status.ready} /> : null}
      </h1>
      <ConnectionNote connection={connection} />
      {connection === 'reconnecting' ? <ErrorNote error={error} /> : null}
      {status === null ? null : (
        <>
          <p class="muted">
            version {status.version}
            {status.message ? ` · ${status.message}` : ''}
          </p>
          <ServiceControls api={api} id={id} title={id} state={status.state} onStatus={setStatus} />
          <Section id="interfaces" title="Interfaces">
            {status.state === 'running' ? <InterfaceLinks interfaces={status.interfaces} /> : <p class="muted">Its interfaces open while it runs.</p>}
          </Section>
          <Section id="network" title="Network">
            <NetworkPanel api={api} id={id} network={status.network} onStatus={setStatus} />
          </Section>
          <Section id="usage" title="Usage">
            <Usage api={api} id={id} />
          </Section>
          <Section id="daemons" title="Daemons and tasks">
            <DependencyGraph daemons={status.daemons} />
            <Daemons daemons={status.daemons} />
          </Section>
        </>
      )}
      <Section id="logs" title="Logs">
        <LogView api={api} id={id} daemons={status?.daemons.map((d) => d.id) ?? []} />
      </Section>
      {status === null ? null : (
        <>
          <Section id="actions" title="Actions">
            <Actions api={api} id={id} state={status.state} />
          </Section>
          <Section id="settings" title="Settings">
            <Settings api={api} id={id} />
          </Section>
          <Section id="secrets" title="Secrets">
            <Secrets api={api} id={id} />
          </Section>
          <Section id="backups" title="Backups">
            <Backups api={api} id={id} />
          </Section>
          <Section id="package" title="Package">
            <div class="buttons">
              <Link href={`/install?update=${encodeURIComponent(id)}`} class="button">
                Update {id}…
              </Link>
              <Uninstall api={api} id={id} title={id} />
            </div>
          </Section>
        </>
      )}
    </main>
  );
}

function Daemons({ daemons }: { daemons: DaemonStatus[] }) {
  if (daemons.length === 0) return <p class="muted">None running: they appear when the service starts.</p>;
  return (
    <div class="table-wrap" role="region" aria-label="Daemons and tasks" tabIndex={0}>
      <table class="daemons">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">State</th>
            <th scope="col">Health</th>
            <th scope="col">Restarts</th>
            <th scope="col">Last exit</th>
          </tr>
        </thead>
        <tbody>
          {daemons.map((d) => (
            <tr key={d.id} data-daemon={d.id}>
              <th scope="row">{d.id}</th>
              <td>{d.kind ?? 'daemon'}</td>
              <td>
                <StateBadge state={d.state} />
              </td>
              <td>{d.message ?? '—'}</td>
              <td>{d.restarts ?? 0}</td>
              <td>{exitReason(d)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function exitReason(d: DaemonStatus): string {
  if (d.signal) return `killed by ${d.signal}`;
  if (d.exitCode !== undefined) return `exited with code ${d.exitCode}`;
  return '—';
}

/** A titled part of the page, named by its heading for screen readers' landmarks. */
function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{title}</h2>
      {children}
    </section>
  );
}
