import { ownValue, type DaemonStatus, type InterfaceStatus, type Manifest, type ServiceState } from '@hearth/sdk/contract';

export interface RunFacts {
  daemons: DaemonStatus[];
  /** Daemon ids in declaration order (for display). */
  order: string[];
  stopping: boolean;
  stopped: boolean;
  /** Why the service as a whole is in trouble (the runtime went away). */
  message: string | undefined;
}

/**
 * A service's state from its daemons' states. Pure, so the rules are tested on their own:
 * running once every daemon is ready and every task has finished; failed when a daemon failed or
 * the runtime was lost; stopping/stopped while and after a stop.
 */
export function serviceState(facts: RunFacts): { state: ServiceState; ready: boolean; daemons: DaemonStatus[]; message?: string } {
  const rank = (id: string): number => (facts.order.includes(id) ? facts.order.indexOf(id) : facts.order.length);
  const daemons = [...facts.daemons].sort((a, b) => rank(a.id) - rank(b.id));
  const failed = daemons.find((d) => d.state === 'failed');
  const allReady = daemons.length > 0 && daemons.every((d) => (d.kind === 'task' ? d.state === 'exited' : d.state === 'ready'));
  let state: ServiceState = allReady ? 'running' : 'starting';
  if (failed || (facts.message !== undefined && !facts.stopping)) state = 'failed';
  if (facts.stopping) state = facts.stopped ? 'stopped' : 'stopping';
  const message = failed?.message ?? facts.message;
  return { state, ready: allReady && state === 'running', daemons, ...(message !== undefined && { message }) };
}

export function interfaceStatuses(manifest: Manifest, ports: Record<string, number>, bindAddress: string): InterfaceStatus[] {
  return Object.entries(manifest.interfaces).flatMap(([id, iface]) => {
    const hostPort = ownValue(ports, id);
    if (hostPort === undefined) return [];
    const host = bindAddress === '0.0.0.0' || bindAddress === '::' ? '127.0.0.1' : bindAddress;
    const shown = host.includes(':') ? `[${host}]` : host;
    const url = iface.protocol === 'http' ? `http://${shown}:${hostPort}/` : `tcp://${shown}:${hostPort}`;
    const tlsPort = ownValue(ports, `${id}:tls`);
    const tls = iface.protocol === 'http' && tlsPort !== undefined ? { tlsUrl: `https://${shown}:${tlsPort}/` } : {};
    return [{ id, name: iface.name, protocol: iface.protocol, port: iface.port, hostAddress: bindAddress, hostPort, url, ...tls }];
  });
}
