import { HearthError, type HostNotifications, type PackageSummary, type RegistryPlanItem } from '@hearth/sdk/contract';
import { mib } from '../format.js';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HostClient } from '../client.js';
import { installProgress } from '../progress.js';
import { type Command, usageError } from '../command.js';

/** A file argument (an .hpk or any existing file) installs that file; anything else names a package in a registry. */
async function isFile(arg: string): Promise<boolean> {
  return arg.endsWith('.hpk') || arg.includes('/') || (await stat(arg).then((s) => s.isFile(), () => false));
}

/** What `hearth install` prints: the package, its signer, and what it was granted on the network (revocable outbound access). */
export function installedText(pkg: PackageSummary): string {
  const g = pkg.granted;
  const network = !g
    ? ''
    : `\n  address ${g.address}${g.outbound ? `\n  it may connect to the internet and the LAN, as it asks (revoke: hearth net outbound ${pkg.id} off)` : g.outboundRequested ? `\n  it asks to connect to the internet and the LAN: not allowed until you run hearth net outbound ${pkg.id} on` : ''}`;
  return `${pkg.updatedFrom ? `updated ${pkg.id} ${pkg.updatedFrom} → ${pkg.version}` : `installed ${pkg.id} ${pkg.version}`} (signer ${pkg.signer.slice(0, 16)})${network}`;
}

/** Dependencies are installed only when the user agrees: ask on a terminal, refuse without --yes otherwise. */
async function confirmPlan(id: string, plan: RegistryPlanItem[]): Promise<void> {
  const lines = plan.map((p) => `  ${p.id} ${p.version} from ${p.registry} (${mib(p.size)})${p.requested ? '' : ' — a dependency'}`);
  const refuse = new HearthError('INVALID_PARAMS', `installing ${id} also installs what it needs:\n${lines.join('\n')}`, { hint: `add --yes to install all of them, e.g. hearth install ${id} --yes` });
  if (!process.stdin.isTTY) throw refuse;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    if (!/^y(es)?$/i.test((await rl.question(`This installs:\n${lines.join('\n')}\nGo ahead? [y/N] `)).trim())) throw refuse;
  } finally {
    rl.close();
  }
}

export const install: Command = {
  names: ['install', 'update'],
  usage: `  install <file.hpk> [--allow-untrusted]
                              verify and install a package, or update an installed one
  install <id>[@range] [--registry R] [--yes]
                              the newest matching version the registries offer: downloaded
                              (resumable), checked against the signed index, then installed;
                              missing dependencies too, once confirmed (or --yes)
  update <id> <file.hpk>      install a new version of <id> (refuses any other package)
  update <id> | update --all  to the newest version in the registries (same publisher)`,
  async run({ command, args, values, socket, print }) {
    const untrusted = values['allow-untrusted'] ? { allowUntrusted: true } : {};
    const onEvent = values.json ? () => undefined : installProgress();
    // Only this command's progress: other clients may be installing at the same time.
    let mine: (path: string) => boolean = () => false;
    await using client = await HostClient.connect(socket, (method, params) => {
      const event = params as HostNotifications['event'];
      if (method === 'event' && event.type === 'install.progress' && mine(event.path)) onEvent(event);
    });
    await client.call('events.subscribe', { services: [] });

    if (command === 'update' && (values.all || args.length === 1)) {
      if (values.all === (args.length === 1)) throw usageError('update takes <id>, <id> <file.hpk>, or --all');
      const [id] = args;
      // Downloads are named <id>-<version>-<digest>.hpk under the host's downloads folder.
      mine = (path) => path.includes('/downloads/') && (id === undefined || path.split('/').pop()?.startsWith(`${id}-`) === true);
      const { updated } = await client.call('registry.update', { ...(id === undefined ? { all: true } : { id }), ...untrusted });
      print(updated, updated.length === 0 ? 'everything is up to date' : updated.map((p) => installedText(p)).join('\n'));
      return;
    }
    const [expectId, fileArg] = command === 'update' ? args : [undefined, ...args];
    if (fileArg === undefined || args.length !== (command === 'update' ? 2 : 1)) {
      throw usageError(command === 'update' ? 'update takes the package id and the .hpk file, or --all' : 'install takes exactly one argument: the .hpk file or a package id');
    }
    if (command === 'install' && !(await isFile(fileArg))) {
      const at = fileArg.indexOf('@');
      const id = at === -1 ? fileArg : fileArg.slice(0, at);
      const range = at === -1 ? undefined : fileArg.slice(at + 1);
      const where = { id, ...(range !== undefined && { range }), ...(values.registry !== undefined && { registry: values.registry }) };
      const { plan } = await client.call('registry.plan', where);
      const dependencies = plan.filter((p) => !p.requested);
      if (dependencies.length > 0 && !values.yes) await confirmPlan(id, plan);
      mine = (path) => path.includes('/downloads/') && plan.some((p) => path.split('/').pop()?.startsWith(`${p.id}-`) === true);
      const pkg = await client.call('registry.install', { ...where, ...untrusted, ...(dependencies.length > 0 && { dependencies: true }) });
      print(pkg, installedText(pkg));
      return;
    }
    const file = resolve(fileArg);
    mine = (path) => path === file;
    const pkg = await client.call('package.install', { path: file, ...untrusted, ...(expectId !== undefined && { expectId }) });
    print(pkg, installedText(pkg));
  },
};
