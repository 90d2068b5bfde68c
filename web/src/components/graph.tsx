import type { DaemonStatus } from '@hearth/sdk/contract';

const BOX_W = 140;
const BOX_H = 36;
const GAP_X = 60;
const GAP_Y = 16;
const PAD = 8;

/**
 * Daemons in start order: each wave holds those whose `requires` are all in earlier waves. Kept
 * here rather than imported from the SDK (whose version throws on a cycle): the page draws what the
 * runtime reports, and anything left over (a cycle, an unknown id) goes in a last wave.
 */
export function startWaves(daemons: readonly Pick<DaemonStatus, 'id' | 'requires'>[]): string[][] {
  const ids = new Set(daemons.map((d) => d.id));
  const placed = new Set<string>();
  const out: string[][] = [];
  let left = [...daemons];
  while (left.length > 0) {
    const wave = left.filter((d) => (d.requires ?? []).every((r) => placed.has(r) || !ids.has(r)));
    if (wave.length === 0) {
      out.push(left.map((d) => d.id));
      break;
    }
    for (const d of wave) placed.add(d.id);
    out.push(wave.map((d) => d.id));
    left = left.filter((d) => !placed.has(d.id));
  }
  return out;
}

/** The dependency graph as a picture (waves left to right, an arrow from each requirement), with its order in words. */
export function DependencyGraph({ daemons }: { daemons: DaemonStatus[] }) {
  if (daemons.length === 0) return null;
  const waves = startWaves(daemons);
  const at = new Map<string, { x: number; y: number }>();
  waves.forEach((wave, w) => wave.forEach((id, i) => at.set(id, { x: PAD + w * (BOX_W + GAP_X), y: PAD + i * (BOX_H + GAP_Y) })));
  const width = PAD * 2 + waves.length * BOX_W + (waves.length - 1) * GAP_X;
  const height = PAD * 2 + Math.max(...waves.map((w) => w.length)) * (BOX_H + GAP_Y) - GAP_Y;
  const byId = new Map(daemons.map((d) => [d.id, d]));
  const edges = daemons.flatMap((d) => (d.requires ?? []).filter((r) => at.has(r)).map((r) => [r, d.id] as const));
  const order = waves.map((wave, i) => `${i + 1}: ${wave.join(', ')}`).join('; ');
  return (
    <figure class="graph">
      <div class="graph-scroll" role="region" aria-label="Dependency graph, scrolls sideways" tabIndex={0}>
        <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby="graph-title graph-order">
          <title id="graph-title">Dependency graph of the daemons</title>
          <defs>
            <marker id="graph-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
              <path d="M0 0L10 5L0 10z" class="graph-head" />
            </marker>
          </defs>
          {edges.map(([from, to]) => {
            const a = at.get(from)!;
            const b = at.get(to)!;
            return <line key={`${from}>${to}`} data-edge={`${from}>${to}`} class="graph-edge" x1={a.x + BOX_W} y1={a.y + BOX_H / 2} x2={b.x} y2={b.y + BOX_H / 2} marker-end="url(#graph-arrow)" />;
          })}
          {[...at].map(([id, p]) => {
            const task = byId.get(id)?.kind === 'task';
            return (
              <g key={id} data-node={id} class={task ? 'graph-node task' : 'graph-node'}>
                <rect x={p.x} y={p.y} width={BOX_W} height={BOX_H} rx={task ? 2 : 10} />
                <text x={p.x + BOX_W / 2} y={p.y + BOX_H / 2} dominant-baseline="middle" text-anchor="middle">
                  {id.length > 18 ? `${id.slice(0, 17)}…` : id}
                  {task ? ' (task)' : ''}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <figcaption id="graph-order">Start order, in waves: {order}.</figcaption>
    </figure>
  );
}
