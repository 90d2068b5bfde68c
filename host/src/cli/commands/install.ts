import { type HostNotifications } from '@hearth/sdk/contract';
import { resolve } from 'node:path';
import { HostClient } from '../client.js';
import { installProgress } from '../progress.js';
import { type Command, usageError } from '../command.js';

export const install: Command = {
  names: ['install', 'update'],
  usage: `  install <file.hpk> [--allow-untrusted]
                              verify and install a package, or update an installed one
  update <id> <file.hpk>      install a new version of <id> (refuses any other package)`,
  async run({ command, args, values, socket, print }) {
    const [expectId, fileArg] = command === 'update' ? args : [undefined, ...args];
    if (fileArg === undefined || args.length !== (command === 'update' ? 2 : 1)) {
      throw usageError(command === 'update' ? 'update takes the package id and the .hpk file' : 'install takes exactly one argument: the .hpk file');
    }
    const file = resolve(fileArg);
    const onEvent = values.json ? () => undefined : installProgress();
    await using client = await HostClient.connect(socket, (method, params) => {
      const event = params as HostNotifications['event'];
      // Only this install's progress: other clients may be installing at the same time.
      if (method === 'event' && event.type === 'install.progress' && event.path === file) onEvent(event);
    });
    await client.call('events.subscribe', { services: [] });
    const pkg = await client.call('package.install', {
      path: file,
      ...(values['allow-untrusted'] && { allowUntrusted: true }),
      ...(expectId !== undefined && { expectId }),
    });
    const g = pkg.granted;
    const network = !g
      ? ''
      : `\n  address ${g.address}${g.outbound ? `\n  it may connect to the internet and the LAN, as it asks (revoke: hearth net outbound ${pkg.id} off)` : g.outboundRequested ? `\n  it asks to connect to the internet and the LAN: not allowed until you run hearth net outbound ${pkg.id} on` : ''}`;
    print(pkg, `${pkg.updatedFrom ? `updated ${pkg.id} ${pkg.updatedFrom} → ${pkg.version}` : `installed ${pkg.id} ${pkg.version}`} (signer ${pkg.signer.slice(0, 16)})${network}`);
    return;
  },
};
