import { useState } from 'preact/hooks';
import type { ServiceNetworkStatus, ServiceStatus } from '@hearth/sdk/contract';
import type { Api } from '../api.js';
import { outboundWords } from '../network-words.js';
import { asError } from '../task.js';
import { ErrorNote } from './state.js';

/**
 * A service on hearth's bridge: its address and name, which services may reach it, what it waits
 * for, and its internet access, which the user revokes or grants again here (`hearth net outbound`).
 */
export function NetworkPanel({ api, id, network, onStatus }: { api: Api; id: string; network: ServiceNetworkStatus | undefined; onStatus: (s: ServiceStatus) => void }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  if (network === undefined) return <p class="muted">Loopback only: hearthd runs without its bridge network (--network none).</p>;
  const setOutbound = async (outbound: boolean): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      onStatus(await api.call('service.setOutbound', { id, outbound }));
    } catch (e) {
      setError(asError(e));
    } finally {
      setPending(false);
    }
  };
  const reachable = network.reachableFrom.map((r) => `${r.id} (${r.interfaces.join(', ')})`);
  return (
    <div class="network">
      <p>
        Address <code>{network.address}</code>, name <code>{network.hostname}</code>.
      </p>
      <p>May reach it: {reachable.length === 0 ? 'no other service.' : `${reachable.join('; ')}.`}</p>
      {network.waitingFor.length > 0 ? <p class="warn-text">Waiting for: {network.waitingFor.join(', ')}.</p> : null}
      <p data-outbound={String(network.outbound)}>{outboundWords(network)}</p>
      {network.outboundRequested ? (
        <div class="buttons">
          <button type="button" disabled={pending} onClick={() => void setOutbound(!network.outbound)}>
            {network.outbound ? 'Revoke internet access' : 'Allow internet access'}
          </button>
        </div>
      ) : null}
      {error ? <ErrorNote error={error} prefix="Could not change its internet access" /> : null}
    </div>
  );
}
