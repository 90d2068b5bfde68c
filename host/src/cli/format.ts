import type { LogEntry, PackageSummary, ServiceStatus } from '@hearth/sdk/contract';

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function formatPackages(packages: PackageSummary[]): string {
  if (packages.length === 0) return 'no packages installed';
  return table(
    ['PACKAGE', 'VERSION', 'TITLE', 'SIGNER'],
    packages.map((p) => [p.id, p.version, p.title, p.signer.slice(0, 16)]),
  );
}

export function formatStatus(status: ServiceStatus): string {
  const lines = [`${status.id} ${status.version}: ${status.state}${status.ready ? ', ready' : ''}`];
  if (status.message) lines.push(`  ${status.message}`);
  if (status.container) lines.push(`  container ${status.container.name} (init pid ${status.container.initPid})`);
  if (status.daemons.length > 0) {
    lines.push(
      table(
        ['  DAEMON', 'STATE', 'DETAIL'],
        status.daemons.map((d) => [`  ${d.id}`, d.state, d.message ?? '']),
      ),
    );
  }
  for (const iface of status.interfaces) lines.push(`  ${iface.name}: ${iface.url}`);
  return lines.join('\n');
}

export function formatLogEntry(entry: LogEntry): string {
  return `${new Date(entry.time).toISOString()} ${entry.daemon}${entry.stream === 'stderr' ? '!' : ''} ${entry.line}`;
}
