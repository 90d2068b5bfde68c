import type { InterfaceStatus } from '@hearth/sdk/contract';

/** A service's interfaces as links that open them (http), or the address to connect to (tcp). */
export function InterfaceLinks({ interfaces }: { interfaces: InterfaceStatus[] }) {
  if (interfaces.length === 0) return <p class="muted">No interfaces.</p>;
  return (
    <ul class="interfaces">
      {interfaces.map((i) => (
        <li key={i.id}>
          {i.protocol === 'http' ? (
            <>
              <a href={i.url} target="_blank" rel="noopener noreferrer">
                {i.name} <span class="url">{i.url}</span>
              </a>
              {i.tlsUrl ? (
                <>
                  {' · '}
                  <a href={i.tlsUrl} target="_blank" rel="noopener noreferrer" aria-label={`${i.name} over TLS`}>
                    TLS
                  </a>
                </>
              ) : null}
            </>
          ) : (
            <span>
              {i.name}: <code>{`${i.hostAddress}:${i.hostPort}`}</code>
            </span>
          )}
          {i.warning ? <span class="warn-text"> — {i.warning}</span> : null}
        </li>
      ))}
    </ul>
  );
}
