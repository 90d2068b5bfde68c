import { dict, ownValue, type ConfigChange } from '@hearth/sdk/contract';
import { type Command, usageError } from '../command.js';
import { table } from '../format.js';

/** What a change did, in words: saved for the next start, or which daemons it restarted. */
export function formatConfigChange(change: ConfigChange): string {
  if (change.applied === 'saved') return `saved; ${change.id} is not running, so it applies at its next start`;
  if (change.applied === 'restart-needed') return change.warning ?? `saved; restart ${change.id} to apply it`;
  const r = change.reconfigured ?? { restarted: [], added: [], removed: [] };
  const parts = [
    ...(r.restarted.length > 0 ? [`restarted ${r.restarted.join(', ')}`] : []),
    ...(r.added.length > 0 ? [`started ${r.added.join(', ')}`] : []),
    ...(r.removed.length > 0 ? [`stopped ${r.removed.join(', ')}`] : []),
  ];
  return `applied: ${parts.join('; ') || 'no daemon uses what changed, none restarted'}`;
}

export const config: Command = {
  names: ['config'],
  usage: `  config get <id> [KEY]        a service's settings (or one value)
  config set <id> KEY=VALUE ...
                              change settings (checked against the package's schema, all or none);
                              a running service restarts only the daemons that use them`,
  async run({ args, print, run }) {
    const [sub, id, ...rest] = args;
    if (sub === 'get' && id !== undefined && rest.length <= 1) {
      const [key] = rest;
      return run(async (c) => {
        const got = await c.call('config.get', { id });
        if (key !== undefined) {
          if (!Object.hasOwn(got.schema, key)) throw usageError(`${id} has no setting ${JSON.stringify(key)}; settings: ${Object.keys(got.schema).join(', ') || 'none'}`);
          const value = ownValue(got.settings, key);
          print(value ?? null, value === undefined ? '' : String(value));
          return;
        }
        const rows = Object.entries(got.schema).map(([name, field]) => {
          const value = ownValue(got.settings, name);
          return [name, field.type, value === undefined ? (field.required ? '(required, not set)' : '(not set)') : JSON.stringify(value), field.description ?? ''];
        });
        const text = rows.length === 0 ? `${id} has no settings` : table(['KEY', 'TYPE', 'VALUE', 'DESCRIPTION'], rows);
        const missing = got.missing.length > 0 ? `\n${id} does not start until these are set: hearth config set ${id} ${got.missing.map((k) => `${k}=...`).join(' ')}` : '';
        print(got, `${text}${missing}`);
      });
    }
    if (sub === 'set' && id !== undefined && rest.length > 0) {
      const changes = dict<string>();
      for (const pair of rest) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw usageError(`${JSON.stringify(pair)} must be KEY=VALUE`);
        changes[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return run(async (c) => {
        const change = await c.call('config.set', { id, values: changes });
        print(change, formatConfigChange(change));
      });
    }
    throw usageError('config takes: get <id> [KEY], or set <id> KEY=VALUE ...');
  },
};
