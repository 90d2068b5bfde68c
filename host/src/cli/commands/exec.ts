import { type HostNotifications } from '@hearth/sdk/contract';
import { HostClient } from '../client.js';
import { EXEC_TIMEOUT_MS } from '../../service/exec.js';
import { type Command, usageError, timeoutFlag } from '../command.js';

export const execCommand: Command = {
  names: ['exec'],
  usage: `  exec <id> [--daemon D] [--user U] [--timeout MS] -- CMD [ARGS...]
                              run a command in a daemon's filesystem as the daemon's user (or U: a name,
                              uid or uid:gid; 0 is root); exits with its code. Without --daemon: the first
                              daemon the package declares (tasks only if it has no daemons). Killed after MS
                              (default ${EXEC_TIMEOUT_MS}) or when you press Ctrl-C`,
  async run({ args, values, socket, print }) {
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
  },
};
