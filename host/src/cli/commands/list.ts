import { formatServices } from '../format.js';
import { type Command, usageError } from '../command.js';

export const list: Command = {
  names: ['list', 'ls'],
  usage: `  ls                          services: version, state, health, ports (alias: list)`,
  async run({ command, args, print, run }) {
    if (args.length > 0) throw usageError(`${command} takes no arguments`);
    return run(async (c) => {
      const { packages } = await c.call('package.list', {});
      print(packages, formatServices(packages));
    });
  },
};
