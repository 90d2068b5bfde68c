import { dict } from '@hearth/sdk/contract';
import { type Command, usageError } from '../command.js';

export const action: Command = {
  names: ['action'],
  usage: `  action <id> <action> [--input KEY=VALUE ...]
                              run an action`,
  async run({ args, values, print, run }) {
    const [id, action] = args;
    if (id === undefined || action === undefined || args.length !== 2) throw usageError('action takes the package id and the action id');
    const input = dict<string>();
    for (const pair of values.input ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw usageError(`--input ${JSON.stringify(pair)} must be KEY=VALUE`);
      input[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return run(async (c) => {
      const result = await c.call('action.run', { id, action, input });
      print(result, result.message);
    });
  },
};
