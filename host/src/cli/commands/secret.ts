import { type Command, usageError } from '../command.js';
import { table } from '../format.js';
import { formatConfigChange } from './config.js';
import { readSecretValue } from '../secret-input.js';

export const secret: Command = {
  names: ['secret'],
  usage: `  secret ls <id>              a service's secrets: name, generated or user, set or missing, daemons using it (never values)
  secret set <id> <name>      set a secret's value, read from stdin (never from the command line, which ps shows)
  secret rotate <id> <name>   generate a new value; a running service restarts the daemons that use it`,
  async run({ args, print, run }) {
    const [sub, id, name, ...rest] = args;
    if (rest.length > 0 || id === undefined) throw usageError('secret takes: ls <id>, set <id> <name>, or rotate <id> <name>');
    if ((sub === 'ls' || sub === 'list') && name === undefined) {
      return run(async (c) => {
        const { secrets } = await c.call('secret.list', { id });
        const rows = secrets.map((s) => [s.name, s.source, s.set ? 'set' : 'MISSING', s.setAt ?? '-', s.usedBy === undefined ? '?' : s.usedBy.join(', ') || '-', s.description]);
        const missing = secrets.filter((s) => !s.set).map((s) => `\n${id} does not start until ${s.name} is set: hearth secret set ${id} ${s.name} < file`);
        print({ secrets }, secrets.length === 0 ? `${id} declares no secrets` : `${table(['NAME', 'SOURCE', 'STATE', 'SET AT', 'USED BY', 'DESCRIPTION'], rows)}${missing.join('')}`);
      });
    }
    if (sub === 'set' && name !== undefined) {
      const value = await readSecretValue(`value of ${name} for ${id}: `);
      return run(async (c) => {
        const change = await c.call('secret.set', { id, name, value });
        print(change, `secret ${name} set; ${formatConfigChange(change)}`);
      });
    }
    if (sub === 'rotate' && name !== undefined) {
      return run(async (c) => {
        const change = await c.call('secret.rotate', { id, name });
        print(change, `secret ${name} rotated; ${formatConfigChange(change)}`);
      });
    }
    throw usageError('secret takes: ls <id>, set <id> <name>, or rotate <id> <name>');
  },
};
