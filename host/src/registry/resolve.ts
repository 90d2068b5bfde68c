import { HearthError, compareVersions, satisfies, type RegistryPackageInfo } from '@hearth/sdk/contract';
import type { RegistryIndex, RegistryPackage, RegistryVersion } from '@hearth/sdk/registry';

/** One registry's verified index, with where its files are. */
export interface LoadedIndex {
  registry: string;
  /** The registry's URL, ending in `/`: files resolve against it. */
  base: string;
  index: RegistryIndex;
}

export interface Candidate {
  registry: string;
  base: string;
  id: string;
  version: string;
  entry: RegistryVersion;
  pkg: RegistryPackage;
}

/** Whether this hearth is new enough for a version (`minHearth` null: any). */
export function runsOn(entry: RegistryVersion, hearthVersion: string): boolean {
  return entry.minHearth === null || compareVersions(hearthVersion, entry.minHearth) >= 0;
}

/**
 * The newest version of `id` in `range` across the registries that this hearth can run, ties
 * going to the registry listed first. No match: REGISTRY_PACKAGE_NOT_FOUND saying why.
 */
export function resolveVersion(indexes: LoadedIndex[], id: string, range: string, hearthVersion: string): Candidate {
  let best: Candidate | null = null;
  let tooNew: string | null = null;
  let offered = false;
  for (const { registry, base, index } of indexes) {
    const pkg = index.packages[id];
    if (pkg === undefined) continue;
    offered = true;
    for (const [version, entry] of Object.entries(pkg.versions)) {
      if (!satisfies(version, range)) continue;
      if (!runsOn(entry, hearthVersion)) {
        tooNew = entry.minHearth;
        continue;
      }
      if (best === null || compareVersions(version, best.version) > 0) best = { registry, base, id, version, entry, pkg };
    }
  }
  if (best !== null) return best;
  const where = indexes.map((i) => i.registry).join(', ') || 'no registry (add one: hearth registry add)';
  throw new HearthError('REGISTRY_PACKAGE_NOT_FOUND', offered ? `no version of ${id} in ${range} that this hearth can run is offered by ${where}` : `${id} is not offered by ${where}`, {
    hint: tooNew !== null ? `a version needs hearth ${tooNew} or newer` : offered ? 'see the versions with `hearth search`' : 'check the id with `hearth search`',
    details: { id, range },
  });
}

/** Every package whose id, title or description contain all `words` (case-insensitive). */
export function searchIndexes(indexes: LoadedIndex[], words: string[], installed: (id: string) => string | null): RegistryPackageInfo[] {
  const needles = words.map((w) => w.toLowerCase());
  const out: RegistryPackageInfo[] = [];
  for (const { registry, base, index } of indexes) {
    for (const [id, pkg] of Object.entries(index.packages)) {
      const haystack = `${id}\n${pkg.title}\n${pkg.description}`.toLowerCase();
      if (!needles.every((n) => haystack.includes(n))) continue;
      const versions = Object.entries(pkg.versions)
        .sort(([a], [b]) => compareVersions(b, a))
        .map(([version, e]) => ({ version, size: e.size, sha256: e.sha256, minHearth: e.minHearth, dependencies: e.dependencies }));
      // What `hearth install <id>` would take: the newest release, a pre-release only when there is nothing else.
      const latest = (versions.find((v) => !v.version.includes('-')) ?? versions[0])?.version;
      if (latest === undefined) continue;
      out.push({ registry, id, title: pkg.title, description: pkg.description, icon: pkg.icon === null ? null : new URL(pkg.icon, base).href, publisher: pkg.publisher, latest, versions, installed: installed(id) });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id) || a.registry.localeCompare(b.registry));
}

/**
 * What installing `id` takes: it and every dependency not installed in a matching version,
 * dependencies first (post-order), each the newest version in the range that asks for it. A
 * package asked for in two ranges must have one version in both; a cycle is refused.
 */
export function planInstall(indexes: LoadedIndex[], id: string, range: string, hearthVersion: string, installed: ReadonlyMap<string, string>): Candidate[] {
  const plan: Candidate[] = [];
  const visiting: string[] = [];
  const visit = (want: string, wantRange: string, neededBy: string | null): void => {
    const have = installed.get(want);
    if (have !== undefined && neededBy !== null && satisfies(have, wantRange)) return;
    const planned = plan.find((c) => c.id === want);
    if (planned !== undefined) {
      if (satisfies(planned.version, wantRange)) return;
      throw new HearthError('DEPENDENCY_MISSING', `${neededBy ?? want} needs ${want} ${wantRange}, but ${planned.version} is planned for another package`, { hint: 'the registry offers no version of it that fits both; install them one by one' });
    }
    if (visiting.includes(want)) throw new HearthError('DEPENDENCY_MISSING', `the dependencies form a cycle: ${[...visiting, want].join(' → ')}`, { hint: 'a registry package is broken; tell its publisher' });
    visiting.push(want);
    const candidate = resolveVersion(indexes, want, wantRange, hearthVersion);
    for (const [dep, depRange] of Object.entries(candidate.entry.dependencies)) visit(dep, depRange, want);
    visiting.pop();
    plan.push(candidate);
  };
  visit(id, range, null);
  return plan;
}
