import { publicKeyFrom } from '../keys.js';
import { table } from '../format.js';
import { type Command, usageError } from '../command.js';

export const trust: Command = {
  names: ['trust'],
  usage: `  trust add <key> [--name N]  trust a publisher: base64 public key, its .pem, or an .hpk it signed
  trust list | trust remove <fingerprint>`,
  async run({ args, values, print, run }) {
    const [sub, arg] = args;
    if (sub === 'list' && args.length === 1) {
      return run(async (c) => {
        const { keys } = await c.call('trust.list', {});
        print(keys, keys.length === 0 ? 'no trusted keys' : table(['FINGERPRINT', 'NAME', 'ADDED'], keys.map((k) => [k.fingerprint, k.name || '-', k.addedAt])));
      });
    }
    if (sub === 'add' && arg !== undefined && args.length === 2) {
      const publicKey = await publicKeyFrom(arg);
      return run(async (c) => {
        const key = await c.call('trust.add', { publicKey, ...(values.name !== undefined && { name: values.name }) });
        print(key, `trusted ${key.fingerprint}${key.name ? ` (${key.name})` : ''}`);
      });
    }
    if (sub === 'remove' && arg !== undefined && args.length === 2) {
      return run(async (c) => print(await c.call('trust.remove', { fingerprint: arg }), `no longer trusted: ${arg}`));
    }
    throw usageError('trust takes: add <key> | list | remove <fingerprint>');
  },
};
