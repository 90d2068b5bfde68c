import { readFile, stat } from 'node:fs/promises';
import { publicKeyFrom } from '../keys.js';
import { mib, table } from '../format.js';
import { type Command, usageError } from '../command.js';

/** `--key`: a base64 key, a file holding one (what `hearth-pack pubkey > registry.pub` writes), or a PEM key file. */
async function registryKey(arg: string): Promise<string> {
  if (await stat(arg).then((s) => s.isFile(), () => false)) {
    const text = (await readFile(arg, 'utf8')).trim();
    if (Buffer.from(text, 'base64').length === 32 && /^[A-Za-z0-9+/=]+$/.test(text)) return text;
  }
  return await publicKeyFrom(arg);
}

export const registry: Command = {
  names: ['registry'],
  usage: `  registry add <name> <url> --key <pubkey>
                              read packages from a registry (its index must verify with the key)
  registry ls | registry remove <name>`,
  async run({ args, values, print, run }) {
    const [sub, name, url] = args;
    if ((sub === 'ls' || sub === 'list') && args.length === 1) {
      return run(async (c) => {
        const { registries } = await c.call('registry.list', {});
        print(registries, registries.length === 0 ? 'no registries (add one: hearth registry add <name> <url> --key <pubkey>)' : table(['NAME', 'URL', 'KEY', 'INDEX'], registries.map((r) => [r.name, r.url, r.fingerprint.slice(0, 16), String(r.seenVersion)])));
      });
    }
    if (sub === 'add' && name !== undefined && url !== undefined && args.length === 3) {
      if (values.key === undefined) throw usageError('registry add needs --key <the registry’s public key, or a file with it>');
      const publicKey = await registryKey(values.key);
      return run(async (c) => {
        const added = await c.call('registry.add', { name, url, publicKey });
        print(added, `added registry ${added.name} (${added.url}), key ${added.fingerprint.slice(0, 16)}, index version ${added.seenVersion}`);
      });
    }
    if ((sub === 'remove' || sub === 'rm') && name !== undefined && args.length === 2) {
      return run(async (c) => print(await c.call('registry.remove', { name }), `removed registry ${name}`));
    }
    throw usageError('registry takes: add <name> <url> --key <pubkey> | ls | remove <name>');
  },
};

export const search: Command = {
  names: ['search'],
  usage: `  search [words...]           packages the registries offer (all words in id, title or description)`,
  async run({ args, print, run }) {
    return run(async (c) => {
      const { packages } = await c.call('registry.search', { words: args });
      const rows = packages.map((p) => [p.id, p.latest, p.installed ?? '-', p.registry, mib(p.versions[0]?.size ?? 0), p.title]);
      print(packages, packages.length === 0 ? 'no package matches' : table(['ID', 'LATEST', 'INSTALLED', 'REGISTRY', 'SIZE', 'TITLE'], rows));
    });
  },
};

export const updates: Command = {
  names: ['updates'],
  usage: `  updates                     installed packages with a newer version in a registry`,
  async run({ args, print, run }) {
    if (args.length > 0) throw usageError('updates takes no arguments');
    return run(async (c) => {
      const { updates: found } = await c.call('registry.updates', {});
      print(found, found.length === 0 ? 'everything is up to date' : table(['ID', 'INSTALLED', 'AVAILABLE', 'REGISTRY'], found.map((u) => [u.id, u.installed, u.available, u.registry])));
    });
  },
};
