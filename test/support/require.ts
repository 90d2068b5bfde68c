/**
 * Whether to skip a suite whose requirements are unmet. A developer without root skips it; under
 * `npm test` (scripts/test.sh sets HEARTH_REQUIRE_ALL=1) an unmet requirement fails the file
 * instead, so CI never passes by skipping.
 */
export function skipUnless(requirements: Record<string, boolean>): boolean {
  const unmet = Object.entries(requirements)
    .filter(([, met]) => !met)
    .map(([what]) => what);
  if (unmet.length === 0) return false;
  if (process.env.HEARTH_REQUIRE_ALL === '1') {
    throw new Error(`this suite cannot run here: it needs ${unmet.join(', ')} (HEARTH_REQUIRE_ALL is set, so it fails instead of being skipped)`);
  }
  return true;
}
