import { DEFAULT_READY_TIMEOUT_MS } from '../../service/wait-ready.js';
import { formatStatus } from '../format.js';
import { type Command, timeoutFlag } from '../command.js';

export const restart: Command = {
  names: ['restart'],
  usage: `  restart <id> [--full] [--no-wait] [--timeout MS]
                              stop and start the daemons again in their container, waiting as start
                              does (at most MS, default ${DEFAULT_READY_TIMEOUT_MS}); --full: a new container too`,
  async run({ values, print, run, oneArg }) {
    const id = oneArg('the package id');
    const timeoutMs = timeoutFlag(values.timeout);
    return run(async (c) => {
      const status = await c.call('service.restart', { id, waitReady: !values['no-wait'], ...(values.full && { full: true }), ...(timeoutMs !== undefined && { timeoutMs }) }, timeoutMs);
      print(status, formatStatus(status));
    });
  },
};
