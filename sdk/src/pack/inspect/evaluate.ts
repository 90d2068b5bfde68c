import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSandboxedNode } from '../../system/sandboxed-node.js';
import type { DaemonSpec } from '../../daemons.js';
import { HearthError } from '../../errors.js';

export const EVALUATE_TIMEOUT_MS = 20_000;
/** What main() may print back: the specs of a few hundred daemons. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Run in the child: import the bundle, call main, print the manifest and the specs (checked by shape, as the runtime does). */
const EVALUATOR = `
const mod = await import('./index.mjs');
if (typeof mod.main !== 'function') throw new Error('the package module does not export a main function');
const daemons = await mod.main();
if (typeof daemons?.toSpec !== 'function') throw new Error('main() did not return Daemons');
process.stdout.write(JSON.stringify({ manifest: mod.manifest ?? null, specs: daemons.toSpec() }));
`;

/** The error line of the child's stack trace, with its code (`ERR_ACCESS_DENIED` when the code reached past its sandbox). */
function childError(stderr: string): string | null {
  const line = /^\w*Error\b.*$/m.exec(stderr)?.[0];
  const code = /^\s*code: '([A-Z_]+)'/m.exec(stderr)?.[1];
  return line === undefined ? null : `${line}${code ? ` (${code})` : ''}`;
}

/**
 * The daemons a package's bundled code declares, from its `main`. The code may come from an
 * archive someone else signed, so it runs in a child Node under the permission model: it reads
 * only its own folder, writes nothing, spawns nothing, with a deadline and bounded output.
 */
export async function evaluatePackage(code: Buffer, what: string): Promise<{ manifest: unknown; specs: DaemonSpec[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-inspect-'));
  try {
    await writeFile(join(dir, 'index.mjs'), code);
    await writeFile(join(dir, 'evaluate.mjs'), EVALUATOR);
    const result = await runSandboxedNode(dir, 'evaluate.mjs', { timeoutMs: EVALUATE_TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT_BYTES });
    if (result.exitCode !== 0) {
      const why = result.timedOut ? `did not finish within ${EVALUATE_TIMEOUT_MS / 1000} s` : childError(result.stderr) ?? result.shortMessage;
      throw new HearthError('PACK_FAILED', `${what}: the package's main() failed: ${why}`, { hint: 'main must return Daemons.of(manifest).add(...) without reading files or the network' });
    }
    return parseOutput(result.stdout, what);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The child's output is the package's word: keep only specs of the expected shape (the manifest is validated by the caller). */
export function parseOutput(text: string, what: string): { manifest: unknown; specs: DaemonSpec[] } {
  let output: { manifest?: unknown; specs?: unknown } | null;
  try {
    output = JSON.parse(text) as typeof output;
  } catch {
    output = null;
  }
  const value = output?.specs;
  const strings = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');
  const ok = (s: Record<string, unknown>): boolean =>
    typeof s['id'] === 'string' &&
    (s['kind'] === 'daemon' || s['kind'] === 'task') &&
    typeof s['image'] === 'string' &&
    (s['command'] === null || strings(s['command'])) &&
    (s['user'] === null || typeof s['user'] === 'string') &&
    (s['workdir'] === null || typeof s['workdir'] === 'string') &&
    strings(s['requires']) &&
    Array.isArray(s['mounts']) &&
    typeof s['env'] === 'object' && s['env'] !== null;
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'object' && s !== null && ok(s as Record<string, unknown>))) {
    throw new HearthError('PACK_FAILED', `${what}: main() returned something other than daemon specs`, { hint: 'return Daemons.of(manifest).add(...) from main' });
  }
  return { manifest: output?.manifest ?? null, specs: value as DaemonSpec[] };
}
