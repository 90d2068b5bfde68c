import { styleText } from 'node:util';
import { ownValue, type NetworkRules, type LogEntry, type LastBackup, type PackageInfo, type BulkProgress, type ServerInfo, type ServiceStatus, type ServiceSummary, type ServiceUsage } from '@hearth/sdk/contract';
import { isMarker } from '../logs/start-marker.js';

/** Colour only for people: a terminal, and NO_COLOR unset. */
const useColour = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;

const STATE_COLOURS: Record<string, Parameters<typeof styleText>[0]> = {
  running: 'green',
  ready: 'green',
  exited: 'green',
  starting: 'yellow',
  waiting: 'yellow',
  restarting: 'yellow',
  stopping: 'yellow',
  'not-ready': 'red',
  failed: 'red',
  stopped: 'gray',
};

/** A state word, coloured on a terminal; padding is applied before colouring so columns line up. */
export function state(word: string, width = 0): string {
  const padded = word.padEnd(width);
  const colour = ownValue(STATE_COLOURS, word);
  return useColour && colour ? styleText(colour, padded) : padded;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: string[], rows: string[][], colourColumns: number[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (c: string, i: number, last: boolean, header: boolean): string => {
    const width = last ? 0 : (widths[i] ?? 0);
    return !header && colourColumns.includes(i) ? state(c, width) : c.padEnd(width);
  };
  const line = (cells: string[], header: boolean): string => cells.map((c, i) => cell(c, i, i === cells.length - 1, header)).join('  ').trimEnd();
  return [line(headers, true), ...rows.map((r) => line(r, false))].join('\n');
}

/** A last scheduled backup in a few words: its time, or FAILED and when. */
export function lastBackupText(last: LastBackup | undefined): string {
  if (last === undefined) return '-';
  const when = last.time.replace('T', ' ').slice(0, 19);
  return last.ok ? `${when} ${last.target}` : `FAILED ${when} ${last.target}`;
}

export function formatServices(services: ServiceSummary[], progress?: BulkProgress): string {
  if (services.length === 0) return 'no packages installed; install one with `hearth install <file.hpk>`';
  const heading = progress === undefined ? [] : [formatProgress(progress)];
  // The column appears once a schedule backed something up: hosts without schedules see no change.
  const backups = services.some((s) => s.lastBackup !== undefined);
  return [...heading, table(
    ['SERVICE', 'VERSION', 'STATE', 'HEALTH', 'ADDRESS', 'PORTS', ...(backups ? ['LAST BACKUP'] : [])],
    services.map((s) => [
      s.id,
      s.version,
      s.queued === true ? 'queued' : s.state,
      s.state === 'stopped' ? '-' : s.ready ? 'ready' : 'not-ready',
      s.network ? `${s.network.address}${s.network.outbound ? ' +out' : ''}` : '-',
      s.interfaces.map((i) => `${i.hostAddress}:${i.hostPort}->${i.port}/${i.protocol}`).join(', ') || '-',
      ...(backups ? [lastBackupText(s.lastBackup)] : []),
    ]),
    [2, 3],
  )].join('\n');
}

/** `starting all: 12 of 30 ready, 1 failed, 14 queued`. */
export function formatProgress(p: BulkProgress): string {
  const verb = p.operation === 'start' ? 'starting all' : 'stopping all';
  const done = p.operation === 'start' ? 'ready' : 'stopped';
  return `${verb}: ${p.done} of ${p.total} ${done}${p.failed > 0 ? `, ${p.failed} failed` : ''}${p.queued > 0 ? `, ${p.queued} queued` : ''}`;
}

export function formatStartAll(result: { services: ServiceStatus[]; failed: { id: string; message: string }[] }): string {
  const ready = result.services.filter((s) => s.ready).length;
  const lines = [`${ready} of ${result.services.length} services ready`, ...result.failed.map((f) => `  ${f.id}: ${f.message}`)];
  return lines.join('\n');
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
  const lines = [`${status.id} ${status.version}: ${state(status.state)}${status.ready ? `, ${state('ready')}` : ''}`];
  if (status.message) lines.push(`  ${status.message}`);
  if (status.container) lines.push(`  container ${status.container.name} (init pid ${status.container.initPid})`);
  if (status.lastBackup) lines.push(`  last scheduled backup: ${lastBackupText(status.lastBackup)}${status.lastBackup.error ? `: ${status.lastBackup.error}` : ''}`);
  if (status.daemons.length > 0) {
    lines.push(
      table(
        ['  DAEMON', 'STATE', 'DETAIL'],
        status.daemons.map((d) => [`  ${d.id}`, d.state, d.message ?? '']),
        [1],
      ),
    );
  }
  for (const hook of status.hooks ?? []) {
    lines.push(`  hook ${hook.hook}: ${hook.ok ? 'ok' : `failed: ${hook.error ?? 'no reason given'}`} (${new Date(hook.time).toISOString()}, ${Math.round(hook.durationMs)} ms)`);
  }
  for (const iface of status.interfaces) lines.push(`  ${iface.name}: ${iface.url}${iface.tlsUrl ? ` and ${iface.tlsUrl}` : ''}${iface.warning ? `  (warning: ${iface.warning})` : ''}`);
  const n = status.network;
  if (n) {
    lines.push(`  address ${n.address} (${n.hostname})`);
    lines.push(`  outbound: ${n.outbound ? 'allowed' : n.outboundRequested ? 'asked for, not allowed (hearth net outbound ' + status.id + ' on)' : 'no'}`);
    if (n.reachableFrom.length > 0) lines.push(`  reachable from: ${n.reachableFrom.map((r) => `${r.id} (${r.interfaces.join(', ') || 'no interface'})`).join(', ')}`);
    if (n.waitingFor.length > 0) lines.push(`  ${state('waiting')} for dependencies: ${n.waitingFor.join(', ')}`);
  }
  return lines.join('\n');
}

export function formatNetworkRules(rules: NetworkRules): string {
  if (rules.mode === 'none') return 'no service network: hearthd runs with --network none (loopback only, interfaces relayed)';
  return [`bridge ${rules.bridge ?? ''}, subnet ${rules.subnet ?? ''}, gateway ${rules.gateway ?? ''}`, ...rules.rules.map((r) => `  - ${r.text}`)].join('\n');
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `hearth stats`: what each running service uses, against its limit; for one service, per daemon too. */
export function formatUsage(services: ServiceUsage[]): string {
  const [only] = services;
  const perDaemon =
    services.length === 1 && only && only.daemons.length > 0
      ? `\n\n${table(
          ['DAEMON', 'MEMORY', 'PIDS', 'CPU TIME'],
          only.daemons.map((d) => [d.id, mib(d.memoryBytes), String(d.pids), `${d.cpuSeconds.toFixed(2)} s`]),
        )}`
      : '';
  return `${table(
    ['SERVICE', 'MEMORY', 'MEM LIMIT', 'MEM %', 'PIDS', 'PIDS LIMIT', 'CPU TIME', 'VOLUMES'],
    services.map((u) => [
      u.id,
      mib(u.memoryBytes),
      u.memoryLimitBytes === null ? 'none' : mib(u.memoryLimitBytes),
      u.memoryLimitBytes === null ? '-' : `${((100 * u.memoryBytes) / u.memoryLimitBytes).toFixed(1)}%`,
      String(u.pids),
      u.pidsLimit === null ? 'none' : String(u.pidsLimit),
      `${u.cpuSeconds.toFixed(2)} s`,
      u.volumes.length === 0 ? '-' : u.volumes.some((v) => v.bytes === null) ? '?' : mib(u.volumes.reduce((sum, v) => sum + (v.bytes ?? 0), 0)),
    ]),
  )}${perDaemon}`;
}

export function formatLogEntry(entry: LogEntry): string {
  if (isMarker(entry)) return entry.line;
  return `${new Date(entry.time).toISOString()} ${entry.daemon}${entry.stream === 'stderr' ? '!' : ''} ${entry.line}`;
}
