import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HearthError } from '../errors.js';
import { validateManifest, type Manifest } from '../manifest.js';
import { loadPrivateKey } from '../archive/signing.js';
import { writeArchive, type MemberSource } from '../archive/writer.js';
import { bundlePackage, importBundle, readPackageEntry } from './bundle.js';
import { buildImage } from './images.js';
import { assertTypeChecks } from './typecheck.js';

export interface PackStep {
  step: string;
  bytes: number;
  elapsedMs: number;
}

export interface PackOptions {
  dir: string;
  keyPath: string;
  /** Output file; default `<id>.hpk` in the current directory. */
  out?: string;
  onProgress?: (step: PackStep) => void;
  /** Reuse cached image builds whose inputs are unchanged. @default true */
  cache?: boolean;
}

export interface PackResult {
  out: string;
  manifest: Manifest;
  size: number;
  steps: PackStep[];
}

/** Pack a package folder into a signed .hpk: bundle the code, read and check the manifest, build the images, sign. */
export async function packPackage(options: PackOptions): Promise<PackResult> {
  const dir = resolve(options.dir);
  const privateKey = await loadPrivateKey(options.keyPath);
  const steps: PackStep[] = [];
  const timed = async <T>(step: string, fn: () => Promise<T>, bytesOf: (value: T) => Promise<number> | number): Promise<T> => {
    const started = Date.now();
    const value = await fn();
    const record = { step, bytes: await bytesOf(value), elapsedMs: Date.now() - started };
    steps.push(record);
    options.onProgress?.(record);
    return value;
  };

  const entry = await readPackageEntry(dir);
  await timed('type-check', () => Promise.resolve(assertTypeChecks(dir, entry)), () => 0);
  const code = await timed('bundle scripts/index.js', async () => bundlePackage(entry), (c) => c.length);
  const mod = await importBundle(code);
  const manifest = validateManifest(mod['manifest']);
  if (typeof mod['main'] !== 'function') {
    throw new HearthError('PACK_FAILED', 'the package does not export a main function', {
      hint: 'export const main = () => Daemons.of(manifest).add(...)',
    });
  }
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const work = await mkdtemp(join(tmpdir(), 'hearth-pack-'));
  try {
    const members: MemberSource[] = [
      { name: 'manifest.json', data: manifestBytes },
      { name: 'scripts/index.js', data: code },
    ];
    for (const id of Object.keys(manifest.images).sort()) {
      const decl = manifest.images[id];
      if (!decl) continue;
      const built = await timed(`image ${id} (${decl.source.type})`, () => buildImage(dir, id, decl, work, options.cache ?? true), async (b) => (await stat(b.squashfs)).size);
      if (built.cached) options.onProgress?.({ step: `image ${id}: unchanged inputs, cached build reused`, bytes: 0, elapsedMs: 0 });
      members.push({ name: `images/${id}.json`, data: Buffer.from(`${JSON.stringify(built.config, null, 2)}\n`) }, { name: `images/${id}.squashfs`, path: built.squashfs });
    }
    const out = resolve(options.out ?? `${manifest.id}.hpk`);
    const { size } = await timed('sign and write', () => writeArchive({ out, privateKey, manifest, members }), (r) => r.size);
    return { out, manifest, size, steps };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
