/** Just enough semver for dependency ranges: compare versions, test a version against an npm-style range. */

type Triple = [number, number, number];

function parse(version: string): { triple: Triple; pre: string } | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(version);
  if (!m) return null;
  return { triple: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ?? '' };
}

export function compareVersions(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return a.localeCompare(b);
  for (let i = 0; i < 3; i += 1) {
    const d = (pa.triple[i] ?? 0) - (pb.triple[i] ?? 0);
    if (d !== 0) return d;
  }
  if (pa.pre === pb.pre) return 0;
  if (pa.pre === '') return 1; // a release is above its pre-releases
  if (pb.pre === '') return -1;
  return pa.pre.localeCompare(pb.pre);
}

/** `1`, `1.2`, `1.x` as [lower bound inclusive, upper bound exclusive]. */
function partial(text: string): { low: string; high: string | null } {
  const parts = text.replace(/^v/, '').split('-')[0]?.split('.') ?? [];
  const nums = parts.map((p) => (p === 'x' || p === '*' ? null : Number(p)));
  const [maj, min, pat] = nums;
  if (maj === null || maj === undefined) return { low: '0.0.0', high: null };
  if (min === null || min === undefined) return { low: `${maj}.0.0`, high: `${maj + 1}.0.0` };
  if (pat === null || pat === undefined) return { low: `${maj}.${min}.0`, high: `${maj}.${min + 1}.0` };
  return { low: text.replace(/^v/, ''), high: null };
}

function satisfiesPart(version: string, part: string): boolean {
  if (part === '*' || part === 'x') return true;
  const m = /^(\^|~|>=|<=|>|<|=)?(.+)$/.exec(part);
  const op = m?.[1] ?? '';
  const target = m?.[2] ?? '';
  const cmp = (v: string): number => compareVersions(version, v);
  const { low, high } = partial(target);
  const [maj = 0, min = 0] = low.split('.').map(Number);
  switch (op) {
    case '>=':
      return cmp(low) >= 0;
    case '>':
      return high ? cmp(high) >= 0 : cmp(low) > 0;
    case '<=':
      return high ? cmp(high) < 0 : cmp(low) <= 0;
    case '<':
      return cmp(low) < 0;
    case '^': {
      const upper = maj > 0 ? `${maj + 1}.0.0` : min > 0 ? `0.${min + 1}.0` : high ?? `0.0.${Number(low.split('.')[2] ?? 0) + 1}`;
      return cmp(low) >= 0 && cmp(upper) < 0;
    }
    case '~':
      return cmp(low) >= 0 && cmp(`${maj}.${min + 1}.0`) < 0;
    default:
      return high ? cmp(low) >= 0 && cmp(high) < 0 : cmp(low) === 0;
  }
}

export function satisfies(version: string, range: string): boolean {
  return range.split('||').some((alt) => alt.trim().split(/\s+/).every((part) => satisfiesPart(version, part)));
}
