import { HearthError, ownValue, satisfies, type Manifest } from '@hearth/sdk/contract';
import type { StagedPackage } from '../store/install.js';
import type { ServiceRecord, TrustedKey } from '../store/state.js';

export interface InstallOptions {
  /** Install even though no trusted key signed it (first install only; updates need the same key). */
  allowUntrusted?: boolean;
  /** Refuse the archive unless it is this package (an update of a named service). */
  expectId?: string;
  /** Called before an installed service is updated, once the archive is known to be installable: a throw refuses the update. */
  beforeUpdate?: (id: string) => Promise<void>;
}

/** Every dependency is installed, in a version its range accepts. */
function checkDependencies(staged: StagedPackage, installed: Record<string, ServiceRecord>): void {
  for (const [depId, { version: range }] of Object.entries(staged.manifest.dependencies)) {
    const dep = ownValue(installed, depId);
    if (dep === undefined || !satisfies(dep.version, range)) {
      throw new HearthError('DEPENDENCY_MISSING', `${staged.manifest.id} needs ${depId} ${range}, but ${dep ? `${depId} ${dep.version} is installed` : `${depId} is not installed`}`, {
        hint: `install ${depId} (${range}) first`,
        details: { dependency: depId, range, installed: dep?.version ?? null },
      });
    }
  }
}

/** No installed package that depends on this one is left needing a version this is not. */
function checkDependents(manifest: Manifest, installedManifests: ReadonlyMap<string, Manifest>): void {
  for (const [other, m] of installedManifests) {
    const range = ownValue(m.dependencies, manifest.id)?.version;
    if (other === manifest.id || range === undefined || satisfies(manifest.version, range)) continue;
    throw new HearthError('PACKAGE_IN_USE', `${other} needs ${manifest.id} ${range}, which ${manifest.version} is not`, {
      hint: `update ${other} to a version that accepts ${manifest.id} ${manifest.version} first, or uninstall it`,
      details: { id: manifest.id, version: manifest.version, dependent: other, range },
    });
  }
}

/** Whether a verified archive may be installed here, as a new package or as an update. Throws why not. */
export function checkInstallable(
  staged: StagedPackage,
  installed: Record<string, ServiceRecord>,
  installedManifests: ReadonlyMap<string, Manifest>,
  trusted: Record<string, TrustedKey>,
  options: InstallOptions,
): void {
  const { manifest, signer, signerPublicKey } = staged;
  const existing = ownValue(installed, manifest.id);
  checkDependencies(staged, installed);
  checkDependents(manifest, installedManifests);
  if (options.expectId !== undefined && options.expectId !== manifest.id) {
    throw new HearthError('PACKAGE_ID_MISMATCH', `the archive is package ${manifest.id}, not ${options.expectId}`, {
      hint: 'check that you picked the right file; a file name says nothing about what is inside',
      details: { expected: options.expectId, found: manifest.id },
    });
  }
  if (existing) {
    if (existing.signer !== signer) {
      throw new HearthError('SIGNER_CHANGED', `${manifest.id} ${manifest.version} is signed by ${signer.slice(0, 16)}, but the installed version was signed by ${existing.signer.slice(0, 16)}`, {
        hint: 'an update must come from the same publisher key; if the publisher really changed keys, uninstall (volumes are kept) and install again',
        details: { installed: existing.signer, archive: signer },
      });
    }
    if (existing.version === manifest.version) {
      throw new HearthError('PACKAGE_ALREADY_INSTALLED', `${manifest.id} ${manifest.version} is already installed`, {
        hint: `to reinstall, uninstall first: hearth uninstall ${manifest.id} (volumes are kept)`,
        details: { id: manifest.id, version: manifest.version },
      });
    }
    return;
  }
  if (ownValue(trusted, signer) === undefined && !options.allowUntrusted) {
    throw new HearthError('UNTRUSTED_SIGNER', `${manifest.id} is signed by a key this host does not trust (${signer.slice(0, 16)})`, {
      hint: `if you trust its publisher: hearth trust add ${signerPublicKey} — or install this once with --allow-untrusted`,
      details: { fingerprint: signer, publicKey: signerPublicKey },
    });
  }
}
