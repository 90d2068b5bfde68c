import { DEFAULT_READY_TIMEOUT_MS } from '../../service/wait-ready.js';
import { formatStatus } from '../format.js';
import { type Command, timeoutFlag } from '../command.js';

export const start: Command = {
  names: ['start'],
  usage: `  start <id> [--no-wait] [--timeout MS]
                              start a service and wait until it is ready (at most MS, default ${DEFAULT_READY_TIMEOUT_MS});
                              stops waiting at once when a daemon fails, saying why`,
  async run({ values, print, run, oneArg }) {
    const id = oneArg('the package id');
    const timeoutMs = timeoutFlag(values.timeout);
    return run(async (c) => {
      const status = await c.call('service.start', { id, waitReady: !values['no-wait'], ...(timeoutMs !== undefined && { timeoutMs }) }, timeoutMs);
      print(status, formatStatus(status));
    });
  },
};
