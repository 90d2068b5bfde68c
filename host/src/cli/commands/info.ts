import { formatInfo } from '../format.js';
import { type Command } from '../command.js';

export const info: Command = {
  names: ['info'],
  usage: `  info <id>                   a package's manifest and install facts`,
  async run({ print, run, oneArg }) {
    const id = oneArg('the package id');
    return run(async (c) => {
      const info = await c.call('package.info', { id });
      print(info, formatInfo(info));
    });
  },
};
