import { formatServer } from '../format.js';
import { type Command, usageError } from '../command.js';

export const server: Command = {
  names: ['server'],
  usage: `  server                      hearthd's own facts
  server restart              hearthd exits and its supervisor starts it again; services keep
                              running and answering on their host ports meanwhile (an upgrade)`,
  async run({ args, print, run }) {
    if (args.length === 1 && args[0] === 'restart') {
      return run(async (c) => {
        const r = await c.call('server.restart', {});
        print(r, `hearthd (pid ${r.pid}) is exiting with code ${r.exitCode} for its supervisor to start it again; services keep running`);
      });
    }
    if (args.length > 0) throw usageError('server takes no arguments, or restart');
    return run(async (c) => {
      const info = await c.call('server.info', {});
      print(info, formatServer(info));
    });
  },
};
