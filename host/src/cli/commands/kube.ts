import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HearthError } from '@hearth/sdk/contract';
import { verifyArchive } from '@hearth/sdk/archive';
import type { HostClient } from '../client.js';
import { type Command, usageError } from '../command.js';

/**
 * The installed archive of a service: hearthd's data dir from server.info, the version from
 * package.info; an update may leave the old version's folder beside it until it is swept.
 */
async function installedArchive(client: HostClient, id: string): Promise<string> {
  const [{ dataDir }, info] = await Promise.all([client.call('server.info', {}), client.call('package.info', { id })]);
  const root = join(dataDir, 'packages', id);
  const dirs = (await readdir(root, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => join(root, d.name, 'package.hpk'));
  for (const candidate of [join(root, 'package.hpk'), ...dirs]) {
    if ((await stat(candidate).catch(() => null)) === null) continue;
    const archive = await verifyArchive(candidate).catch(() => null);
    if (archive?.manifest.version === info.version) return candidate;
  }
  throw new HearthError('PACKAGE_NOT_INSTALLED', `the archive of ${id} ${info.version} is not in ${root}`, { hint: 'run the CLI on the machine of hearthd, as root' });
}

export const kube: Command = {
  names: ['kube'],
  usage: `  kube export <file.hpk | id> [--out DIR] [--registry PREFIX] [--no-images]
                               Kubernetes manifests, a README of what was mapped, OCI image layouts`,
  async run({ args, values, print, run }) {
    const [sub, target] = args;
    if (sub !== 'export' || target === undefined || args.length !== 2) throw usageError('kube takes: export <file.hpk | installed id> [--out DIR] [--registry PREFIX]');
    const isFile = target.endsWith('.hpk') || (await stat(target).catch(() => null))?.isFile() === true;
    let archive = resolve(target);
    if (!isFile) await run(async (c) => void (archive = await installedArchive(c, target)));
    const out = resolve(values.out ?? 'kube');
    // Loaded here, not with the CLI: yaml and archiver would add ~0.5 s to every other command's start.
    const [{ exportArchive }, { writeImageLayouts }] = await Promise.all([import('../../kube/export.js'), import('../../kube/oci/layouts.js')]);
    const report = await exportArchive({
      archive,
      out,
      ...(values.registry !== undefined && { registry: values.registry }),
      ...(!values['no-images'] && { images: writeImageLayouts }),
    });
    const lines = [
      `wrote ${report.files.map((f) => join(out, f)).join(', ')}`,
      ...report.images.map((i) => `image ${i.id}: ${i.ref}${i.layout !== null ? ` (oci:${join(out, i.layout)})` : ''}`),
      ...(report.caveats.length > 0 ? ['not mapped, or mapped differently (also in README.md):', ...report.caveats.map((c) => `  ${c.subject}: ${c.message}`)] : []),
    ];
    print(report, lines.join('\n'));
  },
};
