import type { Api } from '../api.js';
import { ServiceControls } from '../components/controls.js';
import { InterfaceLinks } from '../components/interfaces.js';
import { ConnectionNote, ErrorNote, StateBadge } from '../components/state.js';
import { useServices } from '../live.js';
import { Link } from '../router.js';

/** Every installed service, its state and health live, its interfaces, and start/stop/restart. */
export function Services({ api }: { api: Api }) {
  const { services, connection, error } = useServices(api);
  return (
    <main id="main">
      <h1>Services</h1>
      <ConnectionNote connection={connection} />
      {connection === 'reconnecting' ? <ErrorNote error={error} /> : null}
      {services === null ? null : services.length === 0 ? (
        <p>No service is installed yet. <Link href="/install">Install one</Link> from an .hpk file (or run <code>hearth install FILE.hpk</code>).</p>
      ) : (
        <ul class="services" aria-label="Installed services">
          {services.map((s) => (
            <li key={s.id} class="card service" data-service={s.id}>
              <div class="service-head">
                <h2>
                  <Link href={`/services/${encodeURIComponent(s.id)}`}>{s.title}</Link>
                </h2>
                <StateBadge state={s.state} ready={s.ready} />
              </div>
              <p class="muted">
                {s.id} · version {s.version}
              </p>
              {s.state === 'running' ? <InterfaceLinks interfaces={s.interfaces} /> : <p class="muted">Its interfaces open while it runs.</p>}
              <ServiceControls api={api} id={s.id} title={s.title} state={s.state} />
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
