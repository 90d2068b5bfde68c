#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { DEFAULT_SOCKET_PATH, HearthError, errorMessage, type ErrorCode } from '@hearth/sdk/contract';
import { HostClient } from './client.js';
import { OPTIONS, usageError, type CommandContext, type Flags } from './command.js';
import { COMMANDS } from './commands/index.js';

/** `hearth`: parse the flags, find the command (one module each in commands/, its usage beside it), run it. */
const USAGE = [
  'usage: hearth <command> [options]',
  'commands:',
  ...COMMANDS.map((c) => c.usage),
  `options:
  --socket PATH   hearthd's control socket (default ${DEFAULT_SOCKET_PATH}, or $HEARTH_SOCKET)
  --json          print one JSON value instead of text`,
  'exit codes: 0 ok, 1 failed, 2 bad usage or params, 3 not installed, 4 hearthd unreachable',
].join('\n');

const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  INVALID_PARAMS: 2,
  METHOD_NOT_FOUND: 2,
  PACKAGE_NOT_INSTALLED: 3,
  HOST_UNREACHABLE: 4,
};

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    throw usageError(errorMessage(error));
  }
  const values = parsed.values as Flags;
  const [command, ...args] = parsed.positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    if (command === undefined && !values.help) process.exitCode = 2;
    return;
  }
  const found = COMMANDS.find((c) => c.names.includes(command));
  if (found === undefined) throw usageError(`unknown command ${JSON.stringify(command)}`);
  const socket = values.socket ?? process.env['HEARTH_SOCKET'] ?? DEFAULT_SOCKET_PATH;
  const ctx: CommandContext = {
    command,
    args,
    values,
    socket,
    print: (value, text) => process.stdout.write(values.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`),
    run: async (fn) => {
      await using client = await HostClient.connect(socket);
      await fn(client);
    },
    oneArg: (what) => {
      if (args.length !== 1 || args[0] === undefined) throw usageError(`${command} takes exactly one argument: ${what}`);
      return args[0];
    },
  };
  await found.run(ctx);
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
