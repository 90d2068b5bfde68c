import type { LogEntry } from '@hearth/sdk/contract';

/**
 * The `daemon` of the line hearthd writes into a service's log at each start, so runs are told
 * apart. Not a valid daemon id (ids are lowercase letters, digits and dashes), and lines a runtime
 * sends under it are dropped, so a package cannot forge one.
 */
export const MARKER_DAEMON = '[hearth]';

export function startMarker(service: string, version: string, hearthVersion: string, now: number): LogEntry {
  return { daemon: MARKER_DAEMON, stream: 'stdout', line: `── ${service} ${version} started by hearth ${hearthVersion} at ${new Date(now).toISOString()} ──`, time: now };
}

export function isMarker(entry: LogEntry): boolean {
  return entry.daemon === MARKER_DAEMON;
}
