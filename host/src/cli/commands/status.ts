import { formatStatus } from '../format.js';
import { type Command } from '../command.js';

export const status: Command = {
  names: ['status'],
  usage: `  status <id>                 state of a service and its daemons`,
  async run({ print, run, oneArg }) {
    const id = oneArg('the package id');
    return run(async (c) => {
      const status = await c.call('service.status', { id });
      print(status, formatStatus(status));
    });
  },
};
