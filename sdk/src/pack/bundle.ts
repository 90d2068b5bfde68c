import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { HearthError } from '../errors.js';

/** Bundle a package's entry (and the SDK it imports) into one ESM file for the container runtime. */
export async function bundlePackage(entry: string, packageDir: string): Promise<Buffer> {
  try {
    const result = await build({
      // esbuild's `// path` comments are relative to this: the package's folder, not wherever pack ran.
      absWorkingDir: packageDir,
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
    });
    const out = result.outputFiles[0];
    if (!out) throw new HearthError('PACK_FAILED', `esbuild produced no output for ${entry}`, { hint: 'check that the entry exports something' });
    return Buffer.from(out.contents);
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const detail = errors?.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join('\n  ');
    throw new HearthError('PACK_FAILED', `cannot bundle ${entry}${detail ? `:\n  ${detail}` : `: ${String(error)}`}`, {
      hint: 'fix the package code; it must import only @hearth/sdk and node built-ins or bundleable modules',
      cause: error,
    });
  }
}

/** Load the bundled module the way the runtime will, to read its exports at pack time. */
export async function importBundle(code: Buffer): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-pack-'));
  try {
    const file = join(dir, 'index.mjs');
    await writeFile(file, code);
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function readPackageEntry(dir: string): Promise<string> {
  let pkg: { hearth?: { entry?: unknown } } = {};
  try {
    pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as typeof pkg;
  } catch (error) {
    throw new HearthError('PACK_FAILED', `${join(dir, 'package.json')} is missing or not JSON`, {
      hint: 'run hearth-pack on a package folder (with package.json and src/index.ts)',
      cause: error,
    });
  }
  const entry = pkg.hearth?.entry;
  return join(dir, typeof entry === 'string' ? entry : 'src/index.ts');
}
