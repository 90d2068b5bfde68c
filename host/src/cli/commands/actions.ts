import { describeField } from '@hearth/sdk/contract';
import { type Command } from '../command.js';

export const actions: Command = {
  names: ['actions'],
  usage: `  actions <id>                what a running service offers to do, and their inputs`,
  async run({ print, run, oneArg }) {
    const id = oneArg('the package id');
    return run(async (c) => {
      const { actions } = await c.call('action.list', { id });
      const describe = (a: (typeof actions)[number]): string =>
        [`${a.id}: ${a.name} — ${a.description}`, ...Object.entries(a.input).map(([k, f]) => `    --input ${k}=<${f.type}>${f.required ? ' (required)' : f.default !== undefined ? ` (default ${String(f.default)})` : ''}${f.description ? `  ${f.description}` : ''}${f.type !== 'boolean' && describeField(f) !== 'text' && describeField(f) !== 'a number' ? ` (${describeField(f)})` : ''}`)].join('\n');
      print(actions, actions.length === 0 ? `${id} has no actions` : actions.map(describe).join('\n'));
    });
  },
};
