import { useEffect, useState } from 'preact/hooks';
import type { HostEvent, ServiceStatus, ServiceSummary } from '@hearth/sdk/contract';
import type { Api } from './api.js';

/** After a live stream breaks (hearthd restarted), the page tries again this often. */
export const RECONNECT_MS = 2_000;

export type Connection = 'connecting' | 'live' | 'reconnecting';

/**
 * Run `open` (which subscribes and loads) now and again whenever its stream ends, until unmount.
 * `open` gets a signal that aborts on unmount and a callback for the stream's end.
 */
function useLive(open: (signal: AbortSignal, ended: (error?: Error) => void) => Promise<void>, deps: unknown[], setConnection: (c: Connection) => void, setError: (e: Error | null) => void): void {
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const retry = (error?: Error): void => {
      if (controller.signal.aborted) return;
      setConnection('reconnecting');
      if (error) setError(error);
      clearTimeout(timer);
      timer = setTimeout(connect, RECONNECT_MS);
    };
    const connect = (): void => {
      open(controller.signal, retry).then(
        () => {
          setConnection('live');
          setError(null);
        },
        (error: unknown) => retry(error instanceof Error ? error : new Error(String(error))),
      );
    };
    connect();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, deps);
}

/** Every installed service, kept current by `events.subscribe`. */
export function useServices(api: Api): { services: ServiceSummary[] | null; connection: Connection; error: Error | null } {
  const [services, setServices] = useState<ServiceSummary[] | null>(null);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [error, setError] = useState<Error | null>(null);
  useLive(
    async (signal, ended) => {
      const reload = async (): Promise<void> => setServices((await api.call('package.list', {})).packages);
      // Subscribe first, then read: a change between the two still arrives.
      await api.stream(
        'events.subscribe',
        {},
        (name, params) => {
          if (name !== 'event') return;
          const event = params as HostEvent;
          if (event.type === 'service.status') setServices((list) => list && list.map((s) => (s.id === event.status.id ? merge(s, event.status) : s)));
          else if (event.type === 'package.installed' || event.type === 'package.uninstalled') void reload().catch(ended);
        },
        signal,
        ended,
      );
      await reload();
    },
    [api],
    setConnection,
    setError,
  );
  return { services, connection, error };
}

function merge(summary: ServiceSummary, status: ServiceStatus): ServiceSummary {
  return { ...summary, state: status.state, ready: status.ready, interfaces: status.interfaces, network: status.network ?? summary.network };
}

/** One service's status, kept current by `events.subscribe` for it. */
export function useServiceStatus(api: Api, id: string): { status: ServiceStatus | null; setStatus: (s: ServiceStatus) => void; connection: Connection; error: Error | null } {
  const [status, setStatus] = useState<ServiceStatus | null>(null);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [error, setError] = useState<Error | null>(null);
  useLive(
    async (signal, ended) => {
      await api.stream(
        'events.subscribe',
        { services: [id] },
        (name, params) => {
          const event = params as HostEvent;
          if (name === 'event' && event.type === 'service.status' && event.status.id === id) setStatus(event.status);
        },
        signal,
        ended,
      );
      setStatus(await api.call('service.status', { id }));
    },
    [api, id],
    setConnection,
    setError,
  );
  return { status, setStatus, connection, error };
}
