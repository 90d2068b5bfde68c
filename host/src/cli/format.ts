import type { LogEntry, PackageInfo, ServerInfo, ServiceStatus, ServiceSummary } from '@hearth/sdk/contract';

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function formatServices(services: ServiceSummary[]): string {
  if (services.length === 0) return 'no packages installed; install one with `hearth install <file.hpk>`';
  return table(
    ['SERVICE', 'VERSION', 'STATE', 'HEALTH', 'PORTS'],
    services.map((s) => [
      s.id,
      s.version,
      s.state,
      s.state === 'stopped' ? '-' : s.ready ? 'ready' : 'not ready',
      s.interfaces.map((i) => `${i.hostAddress}:${i.hostPort}->${i.port}/${i.protocol}`).join(', ') || '-',
    ]),
  );
}

export function formatInfo(info: PackageInfo): string {
  const m = info.manifest;
  return [
    `${m.title} (${info.id}) ${info.version}`,
    ...(m.description ? [`  ${m.description}`] : []),
    `  license: ${m.license || 'unspecified'}`,
    `  signer: ${info.signer}`,
    `  installed: ${info.installedAt}, desired state: ${info.desired}`,
    `  images: ${Object.keys(m.images).join(', ')}`,
    `  volumes: ${m.volumes.join(', ') || '-'}`,
    `  interfaces: ${Object.entries(m.interfaces).map(([id, i]) => `${id} (${i.name}, ${i.protocol} port ${i.port})`).join(', ') || '-'}`,
  ].join('\n');
}

export function formatServer(info: ServerInfo): string {
  return [
    `hearthd ${info.version} (pid ${info.pid}), up since ${info.startedAt}`,
    `  data dir: ${info.dataDir}`,
    `  socket: ${info.socket}`,
    `  interfaces listen on: ${info.bindAddress}`,
    `  base image: ${info.baseImage}`,
    `  services: ${info.services.installed} installed, ${info.services.running} running`,
  ].join('\n');
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
