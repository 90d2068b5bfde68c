import { formatUsage } from '../format.js';
import { type Command, usageError } from '../command.js';

export const stats: Command = {
  names: ['stats'],
  usage: `  stats [<id>]                memory, processes and CPU time of running services, with their limits`,
  async run({ args, print, run }) {
    if (args.length > 1) throw usageError('stats takes at most one argument: the package id');
    const id = args[0];
    return run(async (c) => {
      const { services } = await c.call('service.stats', id === undefined ? {} : { id });
      print(services, services.length === 0 ? 'no service is running' : formatUsage(services));
    });
  },
};
