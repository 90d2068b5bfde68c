import { formatServices } from '../format.js';
import { type Command, usageError } from '../command.js';

export const list: Command = {
  names: ['list', 'ls'],
  usage: `  ls                          services: version, state, health, ports (alias: list); while many start
                              or stop at once (boot, start --all, shutdown), their progress first`,
  async run({ command, args, print, run }) {
    if (args.length > 0) throw usageError(`${command} takes no arguments`);
    return run(async (c) => {
      const { packages, progress } = await c.call('package.list', {});
      print(packages, formatServices(packages, progress));
    });
  },
};
