/** Median, min and max of samples, and a table printer: every benchmark prints the same shape. */
export interface Summary {
  name: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export function summarize(name: string, samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { name, runs: samples.length, medianMs: median, minMs: sorted[0] ?? 0, maxMs: sorted[sorted.length - 1] ?? 0 };
}

export function printTable(title: string, rows: Summary[], baseline: Summary): void {
  const fmt = (n: number): string => (n < 1 ? n.toFixed(3) : n.toFixed(1));
  const lines = [
    ['scenario', 'runs', 'median ms', 'min ms', 'max ms', `× ${baseline.name}`],
    ...rows.map((r) => [r.name, String(r.runs), fmt(r.medianMs), fmt(r.minMs), fmt(r.maxMs), (r.medianMs / baseline.medianMs).toFixed(2)]),
  ];
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  process.stdout.write(`\n${title}\n`);
  for (const [i, l] of lines.entries()) {
    process.stdout.write(`| ${l.map((c, j) => c.padEnd(widths[j] ?? 0)).join(' | ')} |\n`);
    if (i === 0) process.stdout.write(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
  }
}

/** One start's steps (`service.status` → `stepsMs`) over several starts: each step's median, min, max. */
export function printSteps(title: string, starts: Record<string, number>[]): void {
  const names = [...new Set(starts.flatMap((s) => Object.keys(s)))];
  const rows = names.map((name) => summarize(name, starts.map((s) => s[name] ?? 0)));
  const total = summarize('total', starts.map((s) => Object.values(s).reduce((a, b) => a + b, 0)));
  process.stdout.write(`\n${title}\n| step | median ms | min ms | max ms |\n|---|---|---|---|\n`);
  for (const r of [...rows, total]) process.stdout.write(`| ${r.name} | ${r.medianMs.toFixed(0)} | ${r.minMs.toFixed(0)} | ${r.maxMs.toFixed(0)} |\n`);
}

/** One scenario measured in hearth and in Podman in the same run; Podman null where it has no counterpart. */
export type Pair = [name: string, hearth: Summary, podman: Summary | null];

/** A table of hearth beside Podman, row by row, with the ratio of the medians (below 1: hearth is faster). */
export function printPairs(title: string, unit: string, rows: Pair[]): void {
  const cell = (s: Summary | null): string => (s ? `${s.medianMs.toFixed(1)} (${s.minMs.toFixed(1)}–${s.maxMs.toFixed(1)})` : 'n/a');
  process.stdout.write(`\n${title}\n| scenario | hearth median (min–max) ${unit} | podman median (min–max) ${unit} | hearth / podman |\n|---|---|---|---|\n`);
  for (const [name, h, p] of rows) process.stdout.write(`| ${name} | ${cell(h)} | ${cell(p)} | ${p ? (h.medianMs / p.medianMs).toFixed(2) : 'n/a'} |\n`);
}
