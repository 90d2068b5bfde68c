import { HearthError } from '@hearth/sdk/contract';
import { type Command } from '../command.js';

export const uninstall: Command = {
  names: ['uninstall'],
  usage: `  uninstall <id> [--purge [--yes]]
                              remove a package; its volumes, secrets and logs are kept unless --purge (asks first)`,
  async run({ values, print, run, oneArg }) {
    const id = oneArg('the package id');
    if (values.purge && !values.yes) await confirmPurge(id);
    return run(async (c) => print(await c.call('package.uninstall', { id, purge: values.purge }), `uninstalled ${id}${values.purge ? ' and purged its volumes, secrets and logs' : ' (volumes, secrets and logs kept)'}`));
  },
};

/** Purging deletes a service's data for good: ask on a terminal, refuse without --yes otherwise. */
async function confirmPurge(id: string): Promise<void> {
  const refuse = new HearthError('INVALID_PARAMS', `--purge deletes every volume of ${id}, its secrets and its logs, and cannot be undone`, {
    hint: `add --yes to confirm, e.g. hearth uninstall ${id} --purge --yes`,
  });
  if (!process.stdin.isTTY) throw refuse;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`This deletes all data of ${id}. Type the id to confirm: `);
    if (answer.trim() !== id) throw refuse;
  } finally {
    rl.close();
  }
}
