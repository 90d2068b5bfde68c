#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SOCKET_PATH, HearthError, dict, errorMessage, type ErrorCode, type HostNotifications, type LogEntry } from '@hearth/sdk/contract';
import { HostClient } from './client.js';
import { formatInfo, formatLogEntry, formatServer, formatServices, formatStatus, formatUsage, table } from './format.js';
import { publicKeyFrom } from './keys.js';
import { parseSince } from './since.js';
import { installProgress } from './progress.js';
import { DEFAULT_READY_TIMEOUT_MS } from '../service/wait-ready.js';
import { EXEC_TIMEOUT_MS } from '../service/exec.js';

const MAX_TIMEOUT_MS = 3_600_000;

const USAGE = `usage: hearth <command> [options]
commands:
  install <file.hpk> [--allow-untrusted]
                              verify and install a package, or update an installed one
  update <id> <file.hpk>      install a new version of <id> (refuses any other package)
  trust add <key> [--name N]  trust a publisher: base64 public key, its .pem, or an .hpk it signed
  trust list | trust remove <fingerprint>
  uninstall <id> [--purge [--yes]]
                              remove a package; its volumes are kept unless --purge (asks first)
  ls                          services: version, state, health, ports (alias: list)
  info <id>                   a package's manifest and install facts
  server                      hearthd's own facts
  start <id> [--no-wait] [--timeout MS]
                              start a service and wait until it is ready (at most MS, default ${DEFAULT_READY_TIMEOUT_MS});
                              stops waiting at once when a daemon fails, saying why
  stop <id>                   stop a service
  status <id>                 state of a service and its daemons
  stats [<id>]                memory, processes and CPU time of running services, with their limits
  restart <id> [--no-wait] [--timeout MS]
                              stop and start again, waiting as start does
  exec <id> [--daemon D] [--user U] [--timeout MS] -- CMD [ARGS...]
                              run a command in a daemon's filesystem as the daemon's user (or U: a name,
                              uid or uid:gid; 0 is root); exits with its code. Without --daemon: the first
                              daemon the package declares (tasks only if it has no daemons). Killed after MS
                              (default ${EXEC_TIMEOUT_MS}) or when you press Ctrl-C
  cp <id>:<path> <file> | cp <file> <id>:<path> [--daemon D | --volume V]
                              copy a file out of or into a running service (up to 4 MiB)
  actions <id>                what a running service offers to do, and their inputs
  action <id> <action> [--input KEY=VALUE ...]
                              run an action
  logs <id> [--daemon D] [--since T] [--tail N] [-f]
                              daemon output; T is 30s, 10m, 2h, 1d or a date; -f follows
options:
  --socket PATH   hearthd's control socket (default ${DEFAULT_SOCKET_PATH}, or $HEARTH_SOCKET)
  --json          print one JSON value instead of text
exit codes: 0 ok, 1 failed, 2 bad usage or params, 3 not installed, 4 hearthd unreachable`;

const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  INVALID_PARAMS: 2,
  METHOD_NOT_FOUND: 2,
  PACKAGE_NOT_INSTALLED: 3,
  HOST_UNREACHABLE: 4,
};

function usageError(message: string): HearthError {
  return new HearthError('INVALID_PARAMS', message, { hint: 'run `hearth --help` for usage' });
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        socket: { type: 'string' },
        json: { type: 'boolean', default: false },
        purge: { type: 'boolean', default: false },
        'no-wait': { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        'allow-untrusted': { type: 'boolean', default: false },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        daemon: { type: 'string' },
        since: { type: 'string' },
        tail: { type: 'string' },
        follow: { type: 'boolean', short: 'f', default: false },
        volume: { type: 'string' },
        input: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        user: { type: 'string' },
      },
    });
  } catch (error) {
    throw usageError(errorMessage(error));
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    if (command === undefined && !values.help) process.exitCode = 2;
    return;
  }
  const oneArg = (what: string): string => {
    if (args.length !== 1 || args[0] === undefined) throw usageError(`${command} takes exactly one argument: ${what}`);
    return args[0];
  };
  const socket = values.socket ?? process.env['HEARTH_SOCKET'] ?? DEFAULT_SOCKET_PATH;
  const print = (value: unknown, text: string): void => {
    process.stdout.write(values.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  };

  const run = async (fn: (client: HostClient) => Promise<void>): Promise<void> => {
    await using client = await HostClient.connect(socket);
    await fn(client);
  };
  switch (command) {
    case 'install':
    case 'update': {
      const [expectId, fileArg] = command === 'update' ? args : [undefined, ...args];
      if (fileArg === undefined || args.length !== (command === 'update' ? 2 : 1)) {
        throw usageError(command === 'update' ? 'update takes the package id and the .hpk file' : 'install takes exactly one argument: the .hpk file');
      }
      const file = resolve(fileArg);
      const onEvent = values.json ? () => undefined : installProgress();
      await using client = await HostClient.connect(socket, (method, params) => {
        const event = params as HostNotifications['event'];
        // Only this install's progress: other clients may be installing at the same time.
        if (method === 'event' && event.type === 'install.progress' && event.path === file) onEvent(event);
      });
      await client.call('events.subscribe', { services: [] });
      const pkg = await client.call('package.install', {
        path: file,
        ...(values['allow-untrusted'] && { allowUntrusted: true }),
        ...(expectId !== undefined && { expectId }),
      });
      print(pkg, `${pkg.updatedFrom ? `updated ${pkg.id} ${pkg.updatedFrom} → ${pkg.version}` : `installed ${pkg.id} ${pkg.version}`} (signer ${pkg.signer.slice(0, 16)})`);
      return;
    }
    case 'trust': {
      const [sub, arg] = args;
      if (sub === 'list' && args.length === 1) {
        return run(async (c) => {
          const { keys } = await c.call('trust.list', {});
          print(keys, keys.length === 0 ? 'no trusted keys' : table(['FINGERPRINT', 'NAME', 'ADDED'], keys.map((k) => [k.fingerprint, k.name || '-', k.addedAt])));
        });
      }
      if (sub === 'add' && arg !== undefined && args.length === 2) {
        const publicKey = await publicKeyFrom(arg);
        return run(async (c) => {
          const key = await c.call('trust.add', { publicKey, ...(values.name !== undefined && { name: values.name }) });
          print(key, `trusted ${key.fingerprint}${key.name ? ` (${key.name})` : ''}`);
        });
      }
      if (sub === 'remove' && arg !== undefined && args.length === 2) {
        return run(async (c) => print(await c.call('trust.remove', { fingerprint: arg }), `no longer trusted: ${arg}`));
      }
      throw usageError('trust takes: add <key> | list | remove <fingerprint>');
    }
    case 'uninstall': {
      const id = oneArg('the package id');
      if (values.purge && !values.yes) await confirmPurge(id);
      return run(async (c) => print(await c.call('package.uninstall', { id, purge: values.purge }), `uninstalled ${id}${values.purge ? ' and purged its volumes' : ' (volumes kept)'}`));
    }
    case 'list':
    case 'ls':
      if (args.length > 0) throw usageError(`${command} takes no arguments`);
      return run(async (c) => {
        const { packages } = await c.call('package.list', {});
        print(packages, formatServices(packages));
      });
    case 'info': {
      const id = oneArg('the package id');
      return run(async (c) => {
        const info = await c.call('package.info', { id });
        print(info, formatInfo(info));
      });
    }
    case 'server':
      if (args.length > 0) throw usageError('server takes no arguments');
      return run(async (c) => {
        const info = await c.call('server.info', {});
        print(info, formatServer(info));
      });
    case 'start': {
      const id = oneArg('the package id');
      const timeoutMs = timeoutFlag(values.timeout);
      return run(async (c) => {
        const status = await c.call('service.start', { id, waitReady: !values['no-wait'], ...(timeoutMs !== undefined && { timeoutMs }) }, timeoutMs);
        print(status, formatStatus(status));
      });
    }
    case 'stop': {
      const id = oneArg('the package id');
      return run(async (c) => print(await c.call('service.stop', { id }), `stopped ${id}`));
    }
    case 'status': {
      const id = oneArg('the package id');
      return run(async (c) => {
        const status = await c.call('service.status', { id });
        print(status, formatStatus(status));
      });
    }
    case 'stats': {
      if (args.length > 1) throw usageError('stats takes at most one argument: the package id');
      const id = args[0];
      return run(async (c) => {
        const { services } = await c.call('service.stats', id === undefined ? {} : { id });
        print(services, services.length === 0 ? 'no service is running' : formatUsage(services));
      });
    }
    case 'restart': {
      const id = oneArg('the package id');
      const timeoutMs = timeoutFlag(values.timeout);
      return run(async (c) => {
        const status = await c.call('service.restart', { id, waitReady: !values['no-wait'], ...(timeoutMs !== undefined && { timeoutMs }) }, timeoutMs);
        print(status, formatStatus(status));
      });
    }
    case 'exec': {
      const [id, ...command] = args;
      if (id === undefined || command.length === 0) throw usageError('exec takes the package id, then -- and the command');
      const timeoutMs = timeoutFlag(values.timeout);
      await using client = await HostClient.connect(socket, (method, params) => {
        if (method !== 'service.execOutput' || values.json) return;
        const output = params as HostNotifications['service.execOutput'];
        (output.stream === 'stdout' ? process.stdout : process.stderr).write(output.data);
      });
      const result = await client.call('service.exec', {
        id,
        command,
        ...(values.daemon && { daemon: values.daemon }),
        ...(values.user !== undefined && { user: values.user }),
        ...(timeoutMs !== undefined && { timeoutMs }),
      }, timeoutMs);
      if (values.json) print(result, '');
      else if (result.timedOut) process.stderr.write(`hearth: the command was killed after ${timeoutMs ?? EXEC_TIMEOUT_MS} ms\n`);
      process.exitCode = result.exitCode ?? 128 + 9;
      return;
    }
    case 'cp': {
      if (args.length !== 2) throw usageError('cp takes a source and a destination, one of them <id>:<path>');
      const remote = (arg: string): { id: string; path: string } | null => {
        const m = /^([a-z][a-z0-9-]*):(\/.*)$/.exec(arg);
        return m?.[1] && m[2] ? { id: m[1], path: m[2] } : null;
      };
      const [from = '', to = ''] = args;
      const target = { ...(values.daemon && { daemon: values.daemon }), ...(values.volume && { volume: values.volume }) };
      const src = remote(from);
      const dst = remote(to);
      if ((src === null) === (dst === null)) throw usageError('exactly one of the two paths must be <id>:/absolute/path');
      const { readFile, writeFile } = await import('node:fs/promises');
      return run(async (c) => {
        if (dst) {
          const content = await readFile(from);
          const result = await c.call('service.put', { id: dst.id, path: dst.path, contentBase64: content.toString('base64'), ...target });
          print(result, `copied ${result.size} bytes to ${to}`);
        } else if (src) {
          const result = await c.call('service.fetch', { id: src.id, path: src.path, ...target });
          await writeFile(to, Buffer.from(result.contentBase64, 'base64'));
          print({ size: result.size }, `copied ${result.size} bytes to ${to}`);
        }
      });
    }
    case 'actions': {
      const id = oneArg('the package id');
      return run(async (c) => {
        const { actions } = await c.call('action.list', { id });
        const describe = (a: (typeof actions)[number]): string =>
          [`${a.id}: ${a.name} — ${a.description}`, ...Object.entries(a.input).map(([k, f]) => `    --input ${k}=<${f.type}>${f.required ? ' (required)' : f.default !== undefined ? ` (default ${String(f.default)})` : ''}${f.description ? `  ${f.description}` : ''}`)].join('\n');
        print(actions, actions.length === 0 ? `${id} has no actions` : actions.map(describe).join('\n'));
      });
    }
    case 'action': {
      const [id, action] = args;
      if (id === undefined || action === undefined || args.length !== 2) throw usageError('action takes the package id and the action id');
      const input = dict<string>();
      for (const pair of values.input ?? []) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw usageError(`--input ${JSON.stringify(pair)} must be KEY=VALUE`);
        input[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return run(async (c) => {
        const result = await c.call('action.run', { id, action, input });
        print(result, result.message);
      });
    }
    case 'logs': {
      const id = oneArg('the package id');
      const since = values.since === undefined ? undefined : parseSince(values.since, Date.now());
      const tail = values.tail === undefined ? undefined : Number(values.tail);
      if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw usageError(`--tail ${values.tail} must be a whole number`);
      const show = (entry: LogEntry): void => {
        process.stdout.write(values.json ? `${JSON.stringify(entry)}\n` : `${formatLogEntry(entry)}\n`);
      };
      const onNotification = (method: string, params: unknown): void => {
        if (method === 'service.log') show((params as HostNotifications['service.log']).entry);
      };
      const client = await HostClient.connect(socket, onNotification);
      try {
        const params = { id, follow: values.follow, ...(values.daemon && { daemon: values.daemon }), ...(since !== undefined && { since }), ...(tail !== undefined && { limit: tail }) };
        const { entries } = await client.call('service.logs', params);
        for (const entry of entries) show(entry);
        if (values.follow) await client.closed; // until hearthd goes away or the user presses Ctrl-C
      } finally {
        await client.close();
      }
      return;
    }
    default:
      throw usageError(`unknown command ${JSON.stringify(command)}`);
  }
}

/** `--timeout MS`: a positive whole number of milliseconds, at most an hour (what hearthd accepts). */
function timeoutFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0 || ms > MAX_TIMEOUT_MS) throw usageError(`--timeout ${value} must be a whole number of ms from 1 to ${MAX_TIMEOUT_MS}`);
  return ms;
}

/** Purging deletes a service's data for good: ask on a terminal, refuse without --yes otherwise. */
async function confirmPurge(id: string): Promise<void> {
  const refuse = new HearthError('INVALID_PARAMS', `--purge deletes every volume of ${id} and cannot be undone`, {
    hint: `add --yes to confirm, e.g. hearth uninstall ${id} --purge --yes`,
  });
  if (!process.stdin.isTTY) throw refuse;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`This deletes all data of ${id}. Type the id to confirm: `);
    if (answer.trim() !== id) throw refuse;
  } finally {
    rl.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const hearthError = error instanceof HearthError ? error : new HearthError('INTERNAL', errorMessage(error));
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ error: { message: hearthError.message, ...hearthError.toData() } }, null, 2)}\n`);
  } else {
    process.stderr.write(`hearth: ${hearthError.message}\n${hearthError.hint ? `  hint: ${hearthError.hint}\n` : ''}`);
  }
  process.exitCode = EXIT_CODES[hearthError.code] ?? 1;
});
