import type { ImageConfig } from '../../contract/paths.js';
import type { HealthCheckSpec } from '../../health.js';
import type { ImageDeclaration } from '../../manifest.js';
import type { PackageDescription } from './describe.js';

/** `hearth-pack inspect` for people: one block per image and per daemon, in start order. */

function argv(args: readonly string[] | null): string {
  if (args === null || args.length === 0) return '-';
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function source(s: ImageDeclaration['source']): string {
  switch (s.type) {
    case 'directory':
    case 'tarball':
      return `${s.type} ${s.path}`;
    case 'oci-layout':
    case 'docker-archive':
      return `${s.type} ${s.path}${s.tag ? ` (tag ${s.tag})` : ''}`;
    case 'debootstrap':
      return `debootstrap ${s.suite}${s.packages?.length ? ` + ${s.packages.join(', ')}` : ''}`;
  }
}

export function check(c: HealthCheckSpec | null): string {
  if (c === null) return '-';
  const every = `every ${c.intervalMs} ms, ${c.failureThreshold} failures${c.gracePeriodMs ? `, ${c.gracePeriodMs} ms grace` : ''}`;
  switch (c.kind) {
    case 'tcp':
      return `tcp port ${c.port}, ${every}`;
    case 'http':
      return `http GET :${c.port}${c.path}${c.statuses ? ` → ${c.statuses.join('/')}` : ''}, ${every}`;
    case 'command':
      return `command ${argv(c.command)} (in the daemon's image, as its user), ${every}`;
    case 'function':
      return `package code ${c.ref}, ${every}`;
  }
}

function config(c: ImageConfig): string[] {
  return [`entrypoint ${argv(c.entrypoint)}`, `cmd        ${argv(c.cmd)}`, `user       ${c.user}`, `workdir    ${c.workdir}`, `env        ${c.env.join(' ') || '-'}`];
}

export function formatDescription(d: PackageDescription, mib: (bytes: number) => string): string {
  const lines = [`${d.id} ${d.version} (${d.title})`];
  if (d.signer) lines.push(`signer ${d.signer.fingerprint}`);
  lines.push('', 'images');
  for (const image of d.images) {
    lines.push(`  ${image.id}: ${source(image.source)}${image.size !== undefined ? `, ${mib(image.size)}` : ''}`);
    for (const a of image.add) lines.push(`    add ${a.from} → ${a.to}`);
    for (const line of config(image.config)) lines.push(`    ${line}`);
  }
  lines.push('', 'daemons and tasks, in start order');
  for (const s of d.daemons) {
    lines.push(`  ${s.id} (${s.kind}, image ${s.image})`);
    lines.push(`    command  ${s.command.length ? argv(s.command) : '- (nothing to run: pack refuses this)'}${s.commandFrom === 'image' ? '   (image entrypoint + cmd)' : ''}`);
    lines.push(`    user     ${s.user}${s.userFrom === 'image' ? '   (image)' : ''}`);
    lines.push(`    workdir  ${s.workdir}`);
    lines.push(`    requires ${s.requires.join(', ') || '-'}`);
    if (s.kind === 'daemon') {
      lines.push(`    ready    ${check(s.ready)}`);
      lines.push(`    live     ${check(s.live)}`);
    }
    lines.push(`    mounts   ${s.mounts.map((m) => `${m.volume} → ${m.path}${m.readonly ? ' (read-only)' : ''}`).join(', ') || '-'}`);
    lines.push(`    restart  ${s.restart}; stop ${s.stopSignal}, SIGKILL after ${s.stopTimeoutMs} ms`);
    if (s.secrets.length > 0) lines.push(`    secrets  ${s.secrets.map((n) => `/run/secrets/${n}`).join(', ')}`);
    for (const f of s.files) lines.push(`    file     ${f.path} (${f.mode.toString(8).padStart(4, '0')}, ${f.owner ?? "the daemon's user"})`);
  }
  lines.push('', `volumes     ${d.volumes.join(', ') || '-'}`);
  lines.push(`interfaces  ${Object.entries(d.interfaces).map(([id, i]) => `${id} ${i.protocol}/${i.port} (${i.name})`).join(', ') || '-'}`);
  lines.push(`secrets     ${d.secrets.map((s) => `${s.name} (${s.generated ? 'generated' : 'set by the user'})`).join(', ') || '-'}`);
  lines.push(`settings    ${Object.entries(d.settings).map(([key, f]) => `${key}: ${f.type}${f.default !== undefined ? ` = ${JSON.stringify(f.default)}` : ''}${f.required ? ' (required)' : ''}`).join(', ') || '-'}`);
  return lines.join('\n');
}
