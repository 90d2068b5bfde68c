import { DEFAULT_READY_TIMEOUT_MS } from '../../service/wait-ready.js';
import { formatStartAll, formatStatus } from '../format.js';
import { type Command, timeoutFlag, usageError } from '../command.js';

/** How long `start --all` waits for hearthd's answer: each service has its own timeout, several run at a time. */
const START_ALL_WAIT_MS = 3_600_000;

export const start: Command = {
  names: ['start'],
  usage: `  start <id> [--no-wait] [--timeout MS]
                              start a service and wait until it is ready (at most MS, default ${DEFAULT_READY_TIMEOUT_MS});
                              stops waiting at once when a daemon fails, saying why
  start --all [--no-wait] [--timeout MS]
                              start every installed service, several at once (bounded by the machine's CPUs),
                              dependencies first; \`hearth ls\` shows the progress`,
  async run({ values, args, print, run, oneArg }) {
    const timeoutMs = timeoutFlag(values.timeout);
    if (values.all) {
      if (args.length > 0) throw usageError('start --all takes no package id');
      return run(async (c) => {
        const result = await c.call('service.startAll', { waitReady: !values['no-wait'], ...(timeoutMs !== undefined && { timeoutMs }) }, values['no-wait'] ? 0 : START_ALL_WAIT_MS);
        print(result, formatStartAll(result));
        if (result.failed.length > 0) process.exitCode = 1;
      });
    }
    const id = oneArg('the package id');
    return run(async (c) => {
      const status = await c.call('service.start', { id, waitReady: !values['no-wait'], ...(timeoutMs !== undefined && { timeoutMs }) }, timeoutMs);
      print(status, formatStatus(status));
    });
  },
};
