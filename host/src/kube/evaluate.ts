import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSandboxedNode } from '@hearth/sdk/system';
import { HearthError, type DaemonSpec } from '@hearth/sdk/contract';
import type { RenderedFile } from './model.js';

export const EVALUATE_TIMEOUT_MS = 20_000;
/** Specs and rendered files (each at most 1 MiB) of a package. */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/**
 * Run in the child: main with the settings, then every file's render function with the settings
 * and the known secret values; a secret read is recorded, one without a value fails by name.
 */
const EVALUATOR = `
import { readFileSync } from 'node:fs';
const { settings, secrets } = JSON.parse(readFileSync(new URL('./input.json', import.meta.url), 'utf8'));
const mod = await import('./index.mjs');
if (typeof mod.main !== 'function') throw new Error('the package module does not export a main function');
const daemons = await mod.main({ settings: { ...settings } });
if (typeof daemons?.toSpec !== 'function') throw new Error('main() did not return Daemons');
const specs = daemons.toSpec();
const files = [];
for (const spec of specs) {
  for (const file of spec.files) {
    const read = new Set();
    const proxy = new Proxy({}, {
      get(_t, name) {
        if (typeof name !== 'string' || name === 'then' || name === 'toJSON') return undefined;
        if (!Object.hasOwn(secrets, name)) throw new Error('NO_SECRET_VALUE ' + name + ' ' + spec.id + ' ' + file.path);
        read.add(name);
        return secrets[name];
      },
      has: (_t, name) => Object.hasOwn(secrets, name),
      ownKeys: () => Object.keys(secrets),
      getOwnPropertyDescriptor(_t, name) {
        if (!Object.hasOwn(secrets, name)) return undefined;
        read.add(name);
        return { value: secrets[name], enumerable: true, configurable: true, writable: false };
      },
    });
    const render = daemons.fileRenderer(file.ref);
    if (typeof render !== 'function') throw new Error('no render function for ' + file.ref);
    const content = await render({ settings: { ...settings }, secrets: proxy });
    if (typeof content !== 'string') throw new Error('the render function of ' + file.ref + ' returned ' + typeof content);
    files.push({ daemon: spec.id, path: file.path, mode: file.mode, owner: file.owner, content, secretsRead: [...read].sort() });
  }
}
process.stdout.write(JSON.stringify({ specs, files }));
`;

/**
 * The daemons and rendered files of a package module, for given settings and secret values. The
 * code may come from someone else's archive, so it runs as hearth-pack inspect runs it: a child
 * Node under the permission model, reading only its folder, with a deadline and bounded output.
 */
export async function evaluateForExport(code: Buffer, settings: Record<string, unknown>, secrets: Record<string, string>, what: string): Promise<{ specs: DaemonSpec[]; files: RenderedFile[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-kube-'));
  try {
    await writeFile(join(dir, 'index.mjs'), code);
    await writeFile(join(dir, 'evaluate.mjs'), EVALUATOR);
    await writeFile(join(dir, 'input.json'), JSON.stringify({ settings, secrets }), { mode: 0o600 });
    const result = await runSandboxedNode(dir, 'evaluate.mjs', { timeoutMs: EVALUATE_TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT_BYTES });
    if (result.exitCode !== 0) {
      const missing = /NO_SECRET_VALUE (\S+) (\S+) (\S+)/.exec(result.stderr);
      if (missing !== null) {
        throw new HearthError('KUBE_EXPORT_UNSUPPORTED', `file ${missing[3]} of daemon ${missing[2]} is rendered from secret ${missing[1]}, which the user sets in hearth and the export does not know`, {
          hint: 'render the file from a generated secret, or have the daemon read /run/secrets/<name> itself',
          details: { daemon: missing[2], file: missing[3], secret: missing[1] },
        });
      }
      const why = result.timedOut ? `did not finish within ${EVALUATE_TIMEOUT_MS / 1000} s` : (/^\w*Error\b.*$/m.exec(result.stderr)?.[0] ?? result.shortMessage);
      throw new HearthError('PACK_FAILED', `${what}: the package's code failed at export: ${why}`, { hint: 'main and the file render functions must not read files or the network' });
    }
    return parseOutput(result.stdout, what);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The child's output is the package's word: checked by shape before use. */
function parseOutput(text: string, what: string): { specs: DaemonSpec[]; files: RenderedFile[] } {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const out = typeof parsed === 'object' && parsed !== null ? (parsed as { specs?: unknown; files?: unknown }) : null;
  const specsOk = Array.isArray(out?.specs) && (out.specs as Record<string, unknown>[]).every((s: Record<string, unknown>) => typeof s === 'object' && s !== null && typeof s['id'] === 'string' && (s['kind'] === 'daemon' || s['kind'] === 'task') && typeof s['image'] === 'string' && Array.isArray(s['requires']) && Array.isArray(s['mounts']) && Array.isArray(s['files']) && Array.isArray(s['secrets']));
  const filesOk = Array.isArray(out?.files) && (out.files as Record<string, unknown>[]).every((f: Record<string, unknown>) => typeof f === 'object' && f !== null && typeof f['daemon'] === 'string' && typeof f['path'] === 'string' && typeof f['content'] === 'string' && typeof f['mode'] === 'number' && Array.isArray(f['secretsRead']));
  if (out === null || !specsOk || !filesOk) throw new HearthError('PACK_FAILED', `${what}: the package's code returned something other than daemon specs`, { hint: 'return Daemons.of(manifest).add(...) from main' });
  return { specs: out.specs as DaemonSpec[], files: out.files as RenderedFile[] };
}
