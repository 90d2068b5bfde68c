import { type Command } from '../command.js';

export const stop: Command = {
  names: ['stop'],
  usage: `  stop <id>                   stop a service`,
  async run({ print, run, oneArg }) {
    const id = oneArg('the package id');
    return run(async (c) => print(await c.call('service.stop', { id }), `stopped ${id}`));
  },
};
