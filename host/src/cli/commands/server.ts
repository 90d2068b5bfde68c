import { formatServer } from '../format.js';
import { type Command, usageError } from '../command.js';

export const server: Command = {
  names: ['server'],
  usage: `  server                      hearthd's own facts`,
  async run({ args, print, run }) {
    if (args.length > 0) throw usageError('server takes no arguments');
    return run(async (c) => {
      const info = await c.call('server.info', {});
      print(info, formatServer(info));
    });
  },
};
