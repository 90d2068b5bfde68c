import semver from 'semver';

/** Versions and npm-style ranges, as npm reads them (the `semver` package npm itself uses). */

/** Order two versions; text that is not a version falls back to a plain string comparison. */
export function compareVersions(a: string, b: string): number {
  const va = semver.valid(a);
  const vb = semver.valid(b);
  if (va === null || vb === null) return a.localeCompare(b);
  return semver.compare(va, vb);
}

/**
 * Whether `version` is in `range`, with npm's rules: `^0.2.1` stays below 0.3.0, and a
 * pre-release matches only a range that names a pre-release of the same major.minor.patch.
 * A version or range that does not parse satisfies nothing.
 */
export function satisfies(version: string, range: string): boolean {
  return semver.valid(version) !== null && semver.validRange(range) !== null && semver.satisfies(version, range);
}

/** Whether npm reads `range` as a range (`^1.2.0`, `~1.2`, `>=1 <2`, `1.x`, `*`, `1.2.3 - 2.0.0`, `a || b`). */
export function isValidRange(range: string): boolean {
  return semver.validRange(range) !== null;
}
