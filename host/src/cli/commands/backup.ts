import { HearthError, type BackupScheduleInfo, type HostEvent, type HostNotifications, type SnapshotSummary } from '@hearth/sdk/contract';
import { HostClient } from '../client.js';
import { type Command, type CommandContext, usageError } from '../command.js';
import { mib, table } from '../format.js';
import { readSecretValue } from '../secret-input.js';

const USAGE = `  backup <id>|--all --to <target>
                              back a service up (volumes, package, settings, secrets) into a target
  backup ls [<id>] [--target <name>]
                              snapshots, per service and target
  backup verify [--target <name>] [--read-data]
                              check targets' repositories (--read-data: every byte)
  backup target add <name> <path|restic-repo> [--password-stdin]
                              a new encrypted repository; its password is shown once (--password-stdin: open an existing one)
  backup target ls | remove <name>
  backup schedule <id>|--all hourly|daily|weekly|<N>s|'<cron>' --to <target> --keep <N>
                              back up on a schedule, run by hearthd, keeping the newest N snapshots per service
  backup schedule <id>|--all off | backup schedule ls
  backup require-before-update <target>|off
                              refuse every update of an installed service unless a backup into <target> succeeds first`;

/** Progress of one service's backup or restore on stderr, a line per phase. */
function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (event: HostEvent) => void {
  let last = '';
  return (event) => {
    if (event.type !== 'backup.progress') return;
    const line = event.phase === 'reading' && event.totalBytes > 0 ? `reading ${mib(event.bytes)} / ${mib(event.totalBytes)}` : event.phase;
    if (stream.isTTY) stream.write(`\r\x1b[2K${event.id}: ${line}${event.phase === 'done' ? '\r\x1b[2K' : ''}`);
    else if (event.phase !== last) stream.write(`${event.id}: ${event.phase}\n`);
    last = event.phase;
  };
}

/** A client that prints this command's progress events (for `ids` only). */
async function withProgress(ctx: CommandContext, ids: string[], fn: (c: HostClient) => Promise<void>): Promise<void> {
  const onEvent = ctx.values.json ? () => undefined : progressPrinter();
  await using client = await HostClient.connect(ctx.socket, (method, params) => {
    if (method === 'event') onEvent(params as HostNotifications['event']);
  });
  await client.call('events.subscribe', { services: ids });
  await fn(client);
}

function snapshotRows(snapshots: SnapshotSummary[]): string {
  return table(
    ['SNAPSHOT', 'SERVICE', 'VERSION', 'TIME', 'SIZE', 'MODE', 'TARGET'],
    snapshots.map((s) => [s.shortId, s.service, s.version, s.time.replace('T', ' ').slice(0, 19), s.bytes === null ? '?' : mib(s.bytes), s.mode, s.target]),
  );
}

async function targetCommand(ctx: CommandContext, rest: string[]): Promise<void> {
  const [sub, name, repository, ...extra] = rest;
  if (extra.length > 0) throw usageError('backup target takes: add <name> <repo>, ls, or remove <name>');
  if (sub === 'add' && name !== undefined && repository !== undefined) {
    const password = ctx.values['password-stdin'] ? await readSecretValue(`password of the repository at ${repository}: `) : undefined;
    return ctx.run(async (c) => {
      const added = await c.call('backup.targetAdd', { name, repository, ...(password !== undefined && { password }) });
      const text = added.password === undefined
        ? `added target ${name}: the existing repository at ${repository} opened`
        : `added target ${name}: a new encrypted repository at ${repository}\n\n  password: ${added.password}\n\nKeep this password somewhere safe, away from this machine: it is shown only this once, and without it\nno backup in this repository can ever be restored (hearthd keeps a root-only copy, lost with this machine).`;
      ctx.print(added, text);
    });
  }
  if ((sub === 'ls' || sub === 'list') && name === undefined) {
    return ctx.run(async (c) => {
      const { targets } = await c.call('backup.targetList', {});
      ctx.print({ targets }, targets.length === 0 ? 'no backup targets: add one with hearth backup target add <name> <path>' : table(['NAME', 'REPOSITORY', 'ADDED'], targets.map((t) => [t.name, t.repository, t.addedAt])));
    });
  }
  if ((sub === 'remove' || sub === 'rm') && name !== undefined && repository === undefined) {
    return ctx.run(async (c) => ctx.print(await c.call('backup.targetRemove', { name }), `removed target ${name} and its password file (the repository itself is untouched)`));
  }
  throw usageError('backup target takes: add <name> <repo>, ls, or remove <name>');
}

const PERIODS: Record<string, number> = { hourly: 3600, daily: 24 * 3600, weekly: 7 * 24 * 3600 };

function whenText(schedule: BackupScheduleInfo): string {
  if (schedule.cron !== undefined) return `cron ${schedule.cron}`;
  const seconds = schedule.everySeconds ?? 0;
  return Object.entries(PERIODS).find(([, s]) => s === seconds)?.[0] ?? `every ${seconds} s`;
}

async function scheduleCommand(ctx: CommandContext, rest: string[]): Promise<void> {
  const { values } = ctx;
  const print = (schedules: BackupScheduleInfo[]): void =>
    ctx.print(
      { schedules },
      schedules.length === 0 ? 'no backup schedules' : table(['SERVICE', 'WHEN', 'TARGET', 'KEEP', 'LAST RUN'], schedules.map((s) => [s.service === '*' ? '--all' : s.service, whenText(s), s.target, String(s.keep), s.lastRun ?? '-'])),
    );
  if (rest.length === 1 && (rest[0] === 'ls' || rest[0] === 'list')) return ctx.run(async (c) => print((await c.call('backup.scheduleList', {})).schedules));
  const service = values.all ? '*' : rest.shift();
  const [when, ...extra] = rest;
  if (service === undefined || when === undefined || extra.length > 0) throw usageError("backup schedule takes: <id>|--all hourly|daily|weekly|<N>s|'<cron>' --to <target> --keep <N>, <id>|--all off, or ls");
  if (when === 'off') return ctx.run(async (c) => print((await c.call('backup.scheduleSet', { service })).schedules));
  // A cron expression is one argument with spaces: '30 3 * * *' (hearthd checks it).
  const cron = /\s/.test(when.trim()) ? when.trim() : undefined;
  const everySeconds = PERIODS[when] ?? (/^[1-9][0-9]*s$/.test(when) ? Number(when.slice(0, -1)) : undefined);
  if (everySeconds === undefined && cron === undefined) throw usageError(`backup schedule: ${JSON.stringify(when)} is not hourly, daily, weekly, <N>s or a quoted cron expression ('30 3 * * *')`);
  const keep = Number(values.keep);
  if (values.to === undefined || !Number.isInteger(keep) || keep < 1) throw usageError('backup schedule needs --to <target> and --keep <N> (N ≥ 1)');
  const schedule = cron !== undefined ? { cron } : { everySeconds: everySeconds! };
  return ctx.run(async (c) => print((await c.call('backup.scheduleSet', { service, ...schedule, target: values.to!, keep })).schedules));
}

export const backup: Command = {
  names: ['backup'],
  usage: USAGE,
  async run(ctx) {
    const { args, values } = ctx;
    const [first, ...rest] = args;
    if (first === 'target') return await targetCommand(ctx, rest);
    if (first === 'ls' || first === 'list') {
      if (rest.length > 1) throw usageError('backup ls takes at most a service id');
      return ctx.run(async (c) => {
        const { snapshots } = await c.call('backup.list', { ...(rest[0] !== undefined && { id: rest[0] }), ...(values.target !== undefined && { target: values.target }) });
        ctx.print({ snapshots }, snapshots.length === 0 ? 'no snapshots' : snapshotRows(snapshots));
      });
    }
    if (first === 'schedule') return await scheduleCommand(ctx, rest);
    if (first === 'require-before-update') {
      const [name, ...extra] = rest;
      if (name === undefined || extra.length > 0) throw usageError('backup require-before-update takes a target name, or off');
      return ctx.run(async (c) => {
        const r = await c.call('backup.requireBeforeUpdate', name === 'off' ? {} : { target: name });
        ctx.print(r, r.target === null ? 'updates no longer require a backup first' : `every update now backs the service up into ${r.target} first, and is refused if that fails`);
      });
    }
    if (first === 'verify') {
      return ctx.run(async (c) => {
        const { targets } = await c.call('backup.verify', { ...(values.target !== undefined && { target: values.target }), ...(values['read-data'] && { readData: true }) });
        ctx.print({ targets }, targets.map((t) => `${t.name}: ${t.ok ? 'ok' : `FAILED: ${t.error ?? ''}`}`).join('\n') || 'no backup targets');
        if (targets.some((t) => !t.ok)) process.exitCode = 1;
      });
    }
    const target = values.to;
    if (target === undefined) throw usageError('backup needs --to <target> (see hearth backup target ls)');
    if (values.all !== (first === undefined) || rest.length > 0) throw usageError('backup takes one service id, or --all');
    return await withProgress(ctx, [], async (c) => {
      const ids = first !== undefined ? [first] : (await c.call('package.list', {})).packages.map((p) => p.id);
      const results: unknown[] = [];
      let failed = 0;
      for (const id of ids) {
        try {
          const s = await c.call('backup.create', { id, target });
          results.push(s);
          if (!values.json) process.stdout.write(`backed up ${id} ${s.version} → ${target}: snapshot ${s.shortId}, ${mib(s.bytes ?? 0)} read, ${mib(s.bytesAdded)} added (${s.mode}, ${(s.durationMs / 1000).toFixed(1)} s)\n`);
        } catch (error) {
          if (ids.length === 1) throw error;
          failed += 1;
          const e = HearthError.from(error);
          results.push({ id, error: { message: e.message, ...e.toData() } });
          if (!values.json) process.stderr.write(`hearth: backing up ${id} failed: ${e.message}\n`);
        }
      }
      if (values.json) process.stdout.write(`${JSON.stringify(first !== undefined ? results[0] : { backups: results }, null, 2)}\n`);
      if (failed > 0) process.exitCode = 1;
    });
  },
};

/** Restoring replaces a service's data: ask on a terminal, refuse without --yes otherwise. */
async function confirmRestore(message: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${message}\nReplace it? [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export const restore: Command = {
  names: ['restore'],
  usage: `  restore <id> [--snapshot ID] [--from <target>] [--yes] [--allow-untrusted]
                              restore a service from its latest (or the given) snapshot: installs it from the snapshot
                              if needed, else replaces its data (asks unless --yes); then starts it and waits until ready`,
  async run(ctx) {
    const id = ctx.oneArg('the service id');
    const { values } = ctx;
    const params = {
      id,
      ...(values.snapshot !== undefined && { snapshot: values.snapshot }),
      ...(values.from !== undefined && { target: values.from }),
      ...(values['allow-untrusted'] && { allowUntrusted: true }),
    };
    return await withProgress(ctx, [id], async (c) => {
      let result;
      try {
        result = await c.call('backup.restore', { ...params, ...(values.yes && { overwrite: true }) });
      } catch (error) {
        if (!(error instanceof HearthError && error.code === 'PACKAGE_ALREADY_INSTALLED') || values.yes) throw error;
        if (!(await confirmRestore(error.message))) throw error;
        result = await c.call('backup.restore', { ...params, overwrite: true });
      }
      const hook = result.afterRestore === undefined ? '' : `; afterRestore ${result.afterRestore.ok ? 'ok' : 'failed'}`;
      ctx.print(result, `restored ${id} ${result.version} from snapshot ${result.snapshot.slice(0, 8)} (${result.target})${result.installed ? ', installed from the snapshot' : ''}: ${result.status.state}${result.status.ready ? ', ready' : ''}${hook}`);
    });
  },
};
