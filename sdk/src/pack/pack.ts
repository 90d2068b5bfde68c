import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ImageConfig } from '../contract/paths.js';
import { daemonsOfModule, hooksOfModule } from '../contract/package-module.js';
import { checkSecretsDeclared, type DaemonSpec } from '../daemons.js';
import { defaultSettings } from '../input.js';
import { HearthError, errorMessage } from '../errors.js';
import { validateManifest, type Manifest } from '../manifest.js';
import { loadPrivateKey } from '../archive/signing.js';
import { writeArchive, type MemberSource } from '../archive/writer.js';
import { bundlePackage, importBundle, readPackageEntry } from './bundle.js';
import { buildImage, type BuiltImage } from './images/build.js';
import { DEFAULT_IMAGE_CONFIG } from './images/defaults.js';
import { assertCommands } from './inspect/resolve.js';
import { mapBounded } from './parallel.js';
import { assertTypeChecks } from './typecheck.js';

/**
 * Images of one package built at once. Each mksquashfs already uses every core; two overlap one
 * image's download or unpacking (debootstrap, layers) with another's compression.
 */
export const PARALLEL_IMAGE_BUILDS = 2;

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

/** The daemons `main` returns, run once at pack time as the runtime will run it. */
async function daemonsOf(mod: Record<string, unknown>, manifest: Manifest): Promise<DaemonSpec[]> {
  try {
    hooksOfModule(mod);
    const specs = (await daemonsOfModule(mod, { settings: defaultSettings(manifest.settings) })).specs;
    checkSecretsDeclared(specs, manifest);
    return specs;
  } catch (error) {
    throw new HearthError('PACK_FAILED', `the package's main() failed: ${errorMessage(error)}`, {
      hint: (error as HearthError).hint ?? 'main must return Daemons.of(manifest).add(...) without needing anything from the running service',
      cause: error,
    });
  }
}

/** Pack a package folder into a signed .hpk: bundle the code, read and check the manifest, build the images, sign. */
export async function packPackage(options: PackOptions): Promise<PackResult> {
  const dir = resolve(options.dir);
  const privateKey = await loadPrivateKey(options.keyPath);
  const steps: PackStep[] = [];
  const report = (step: PackStep): void => {
    steps.push(step);
    options.onProgress?.(step);
  };
  const timed = async <T>(step: string, fn: () => Promise<T>, bytesOf: (value: T) => Promise<number> | number): Promise<T> => {
    const started = Date.now();
    const value = await fn();
    report({ step, bytes: await bytesOf(value), elapsedMs: Date.now() - started });
    return value;
  };

  const entry = await readPackageEntry(dir);
  await timed('type-check', () => Promise.resolve(assertTypeChecks(dir, entry)), () => 0);
  const code = await timed('bundle scripts/index.js', async () => bundlePackage(entry, dir), (c) => c.length);
  const mod = await importBundle(code);
  const manifest = validateManifest(mod['manifest']);
  const specs = await daemonsOf(mod, manifest);
  // Sources without a config of their own are known now: refuse a command-less daemon before a long build.
  const known = Object.entries(manifest.images).filter(([, d]) => !['oci-layout', 'docker-archive'].includes(d.source.type));
  assertCommands(specs, new Map(known.map(([id]) => [id, DEFAULT_IMAGE_CONFIG])));

  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const work = await mkdtemp(join(tmpdir(), 'hearth-pack-'));
  try {
    const ids = Object.keys(manifest.images).sort();
    const built = await mapBounded(ids, PARALLEL_IMAGE_BUILDS, async (id): Promise<[string, BuiltImage]> => {
      const decl = manifest.images[id];
      if (decl === undefined) throw new HearthError('INTERNAL', `image ${id} vanished from the manifest`);
      const image = await timed(`image ${id} (${decl.source.type})`, () => buildImage(dir, id, decl, work, options.cache ?? true), async (b) => (await stat(b.squashfs)).size);
      if (image.cached) report({ step: `image ${id}: unchanged inputs, cached build reused`, bytes: 0, elapsedMs: 0 });
      else if (image.baseCached) report({ step: `image ${id}: source unchanged, cached base reused (added files changed)`, bytes: 0, elapsedMs: 0 });
      return [id, image];
    });
    assertCommands(specs, new Map<string, ImageConfig>(built.map(([id, b]) => [id, b.config])));
    const members: MemberSource[] = [
      { name: 'manifest.json', data: manifestBytes },
      { name: 'scripts/index.js', data: code },
    ];
    for (const [id, image] of built) {
      members.push({ name: `images/${id}.json`, data: Buffer.from(`${JSON.stringify(image.config, null, 2)}\n`) }, { name: `images/${id}.squashfs`, path: image.squashfs });
    }
    const out = resolve(options.out ?? `${manifest.id}.hpk`);
    const { size } = await timed('sign and write', () => writeArchive({ out, privateKey, manifest, members }), (r) => r.size);
    return { out, manifest, size, steps };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
