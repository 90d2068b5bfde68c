import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError, dict, ownValue, type Manifest, type PackageSummary } from '@hearth/sdk/contract';
import { servicePaths } from '../layout.js';
import { previousOf, type PreviousVersion } from '../store/state.js';
import { commitStaged, removeInstalledVersion, removePackageFiles, stagePackage } from '../store/install.js';
import { crashPoint } from '../crash-points.js';
import type { ManagerCore } from './manager-core.js';
import { allocatePort, tlsPortKey } from './ports.js';
import { checkInstallable, type InstallOptions } from './trust.js';
import { startUpdated } from './update.js';
import { snapshotVolumes } from '../backup/update-snapshot.js';
import { reconcileSettings } from '../settings/settings.js';
import { reconcileSecrets } from '../secrets/reconcile.js';

/** Installing, updating and uninstalling packages: the store and the state record, under the service's lock. */

/**
 * Install a package, or update an installed one to another version. The archive is verified and
 * its signer checked before anything reaches the store; an update must be signed by the key that
 * signed the installed version, and a running service is stopped and started again on the new one.
 * If the new version of a running service does not become ready, the old one is put back and
 * started (UPDATE_FAILED). The old version stays recorded as `previous`, its files kept, until the
 * new one is recorded ready, so a hearthd killed mid-update finishes or rolls back at boot.
 */
export async function installPackage(core: ManagerCore, path: string, options: InstallOptions = {}): Promise<PackageSummary> {
  const { layout, state } = core.options;
  const staged = await stagePackage(
    layout,
    path,
    (phase, bytes, totalBytes) => core.events.emit({ type: 'install.progress', path, phase, bytes, totalBytes }),
    core.options.maxPackageBytes,
  );
  const { manifest } = staged;
  /** The version a running service was updated from, until the new one is ready. */
  let previous: { record: PreviousVersion; manifest: Manifest } | null = null;
  try {
    if (options.beforeUpdate !== undefined && state.service(manifest.id) !== undefined) {
      // Checked first so a refused archive costs no backup; checked again under the lock.
      checkInstallable(staged, state.state.services, core.manifests, state.state.trusted, options);
      await options.beforeUpdate(manifest.id);
    }
    const summary = await core.lock.run(manifest.id, 'install', async () => {
      const existing = state.service(manifest.id);
      checkInstallable(staged, state.state.services, core.manifests, state.state.trusted, options);
      const taken = new Set(Object.entries(state.state.services).flatMap(([id, s]) => (id === manifest.id ? [] : Object.values(s.ports))));
      const ports = dict<number>();
      for (const ifaceId of Object.keys(manifest.interfaces)) {
        const port = (existing && ownValue(existing.ports, ifaceId)) ?? (await allocatePort(core.options.bindAddress, core.options.portBase, taken));
        taken.add(port);
        ports[ifaceId] = port;
      }
      // An http interface is also offered over TLS, on a port of its own (`<id>:tls`: ids have no colon).
      for (const [ifaceId, iface] of Object.entries(manifest.interfaces)) {
        if (iface.protocol !== 'http' || core.options.tls === null) continue;
        const key = tlsPortKey(ifaceId);
        const port = (existing && ownValue(existing.ports, key)) ?? (await allocatePort(core.options.bindAddress, core.options.portBase, taken));
        taken.add(port);
        ports[key] = port;
      }
      const existingManifest = core.manifests.get(manifest.id);
      if (existing && existingManifest && core.runners.has(manifest.id)) previous = { record: previousOf(existing), manifest: existingManifest };
      if (existing) {
        await core.stopRunner(manifest.id);
        if (previous !== null) crashPoint('update:old-stopped');
        // The old version is stopped, so its volumes are at rest: what a failed update puts back.
        if (previous !== null) await snapshotVolumes(join(layout.volumesDir, manifest.id), previous.manifest.volumes);
      } else {
        // Files an earlier crash left with no state record are not an install: clear them.
        await removePackageFiles(layout, manifest.id);
      }
      core.events.emit({ type: 'install.progress', path, phase: 'committing', bytes: 0, totalBytes: 0 });
      // Settings that still fit are kept, new ones get defaults. Secrets are kept (a database set up
      // with them keeps working, also after an uninstall without --purge), new generated ones made;
      // undeclared ones are dropped unless an update may still roll back to the version that had them.
      const settings = reconcileSettings(manifest.settings, existing?.settings).settings;
      const stored = await core.configs.store.read(manifest.id);
      const secrets = reconcileSecrets(manifest, stored, { prune: previous === null, now: new Date().toISOString() });
      if (Object.keys(stored).length > 0 || Object.keys(secrets.secrets).length > 0) await core.configs.store.write(manifest.id, secrets.secrets);
      if (secrets.generated.length > 0) core.options.logger.info('secrets generated', { service: manifest.id, secrets: secrets.generated });
      const installDir = await commitStaged(layout, staged);
      crashPoint('install:committed');
      await state.update((draft) => {
        draft.services[manifest.id] = {
          version: manifest.version,
          title: manifest.title,
          signer: staged.signer,
          installedAt: new Date().toISOString(),
          ports,
          // An address for the life of the install. Outbound access when the manifest asks, granted
          // at a first install; an update keeps what the user had (revoked stays revoked, and a
          // version that newly asks gets it only when the user grants it: `hearth net outbound`).
          ...(core.net !== null && {
            network: { address: core.net.addressFor(manifest.id), outbound: manifest.network.outbound && (existing?.network?.outbound ?? true) },
          }),
          desired: existing?.desired ?? 'stopped',
          installDir,
          settings,
          // The first start of this version runs its afterUpdate hook, told which version it replaced.
          ...(existing && { afterUpdateFrom: existing.afterUpdateFrom ?? existing.version }),
          ...(previous !== null && { previous: previous.record }),
          ...(existing?.lastBackup !== undefined && { lastBackup: existing.lastBackup }),
        };
      });
      crashPoint('install:recorded');
      const recorded = state.service(manifest.id);
      if (previous !== null) crashPoint('update:recorded');
      core.manifests.set(manifest.id, manifest);
      await core.net?.refresh();
      if (existing && previous === null) await removeInstalledVersion(layout, manifest.id, existing.installDir);
      core.options.logger.info(existing ? 'updated' : 'installed', { service: manifest.id, version: manifest.version, from: existing?.version });
      core.events.emit({ type: 'package.installed', id: manifest.id, version: manifest.version });
      return {
        id: manifest.id,
        title: manifest.title,
        version: manifest.version,
        signer: staged.signer,
        ...(existing && { updatedFrom: existing.version }),
        ...(recorded?.network && { granted: { ...recorded.network, outboundRequested: manifest.network.outbound } }),
      };
    });
    if (previous !== null) {
      core.events.emit({ type: 'install.progress', path, phase: 'starting', bytes: 0, totalBytes: 0 });
      await startUpdated(core, manifest.id, previous);
    }
    core.events.emit({ type: 'install.progress', path, phase: 'done', bytes: 0, totalBytes: 0 });
    return summary;
  } finally {
    await rm(staged.dir, { recursive: true, force: true });
  }
}

export async function uninstallPackage(core: ManagerCore, id: string, purge: boolean): Promise<void> {
  const { layout, state, logger } = core.options;
  await core.lock.run(id, 'uninstall', async () => {
    core.installed(id);
    const dependents = [...core.manifests].filter(([other, m]) => other !== id && Object.hasOwn(m.dependencies, id)).map(([other]) => other);
    if (dependents.length > 0) {
      throw new HearthError('PACKAGE_IN_USE', `${dependents.join(', ')} ${dependents.length === 1 ? 'depends' : 'depend'} on ${id}, so it stays installed`, {
        hint: `uninstall ${dependents.join(', ')} first`,
        details: { id, dependents },
      });
    }
    await core.stopRunner(id);
    await state.update((draft) => {
      delete draft.services[id];
    });
    core.manifests.delete(id);
    await core.net?.refresh();
    await removePackageFiles(layout, id);
    await rm(servicePaths(layout, id).runDir, { recursive: true, force: true });
    if (purge) {
      await rm(servicePaths(layout, id).volumesDir, { recursive: true, force: true });
      // Its logs are its data too (they hold what it printed); a plain uninstall keeps them for a look afterwards.
      await rm(servicePaths(layout, id).logsDir, { recursive: true, force: true });
      await core.configs.store.remove(id);
    }
    logger.info('uninstalled', { service: id, purge });
    core.events.emit({ type: 'package.uninstalled', id, purged: purge });
  });
}
