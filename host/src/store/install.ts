import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HearthError, validateManifest, type InstallPhase, type Manifest } from '@hearth/sdk/contract';
import { verifyArchive } from '@hearth/sdk/archive';
import { ensureDir, installDirOf, type Layout } from '../layout.js';
import type { InstalledImage } from '../service/runner.js';
import { fsyncDir } from './atomic.js';
import { DEFAULT_MAX_PACKAGE_BYTES, openPackageFile, type PackageFile } from './package-file.js';
import { crashPoint } from '../crash-points.js';

export interface StagedPackage {
  manifest: Manifest;
  /** Fingerprint of the publisher key. */
  signer: string;
  signerPublicKey: string;
  images: InstalledImage[];
  /** Directory in the store's tmp dir holding the complete package, ready to be renamed into place. */
  dir: string;
}

const LAYOUT_FILE = 'layout.json';
/** What an install from before versioned dirs kept in packages/<id>/ itself. */
export const LEGACY_PACKAGE_FILES = ['package.hpk', 'package', LAYOUT_FILE];

/**
 * Copy the archive into the store's staging area first and verify the copy, so what is verified is
 * exactly what gets installed (the user's file may change under us). Nothing reaches the packages
 * dir until the whole package is verified; the caller commits with `commitStaged`.
 */
export type InstallProgress = (phase: InstallPhase, bytes: number, totalBytes: number) => void;

/** Copy with a progress callback, and fsync: the copy is what gets verified and installed. */
async function copyWithProgress(from: PackageFile, to: string, maxBytes: number, onProgress: InstallProgress): Promise<void> {
  const total = from.size;
  let copied = 0;
  let lastReport = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      copied += chunk.length;
      // The file may grow while it is copied: the cap holds for what is copied, not only for what stat said.
      if (copied > maxBytes) {
        done(new HearthError('ARCHIVE_OVERSIZE', `the package grew past ${maxBytes} bytes while it was copied`, { hint: 'install a file that nothing is writing to' }));
        return;
      }
      if (copied - lastReport >= PROGRESS_STEP_BYTES) {
        lastReport = copied;
        onProgress('copying', copied, total);
      }
      done(null, chunk);
    },
  });
  const source = from.handle.createReadStream({ start: 0, highWaterMark: 1024 * 1024, autoClose: false });
  await pipeline(source, counter, createWriteStream(to, { flags: 'wx', mode: 0o600, flush: true }));
  onProgress('copying', copied, total);
}

export const PROGRESS_STEP_BYTES = 8 * 1024 * 1024;

export async function stagePackage(
  layout: Layout,
  archivePath: string,
  onProgress: InstallProgress = () => undefined,
  maxBytes = DEFAULT_MAX_PACKAGE_BYTES,
): Promise<StagedPackage> {
  // Refused by size and first bytes before anything lands in tmp/.
  const source = await openPackageFile(archivePath, maxBytes);
  const info = { size: source.size };
  let dir: string;
  try {
    await mkdir(layout.tmpDir, { recursive: true, mode: 0o700 });
    dir = join(layout.tmpDir, `install-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { mode: 0o700 });
  } catch (error) {
    await source.handle.close();
    throw error;
  }
  try {
    const archive = join(dir, 'package.hpk');
    try {
      await copyWithProgress(source, archive, maxBytes, onProgress);
    } finally {
      await source.handle.close();
    }
    crashPoint('install:copied');
    onProgress('verifying', 0, info.size);
    const verified = await verifyArchive(archive, archivePath);
    crashPoint('install:verified');
    onProgress('verifying', info.size, info.size);
    const packageDir = join(dir, 'package');
    for (const [name, data] of verified.files) {
      const out = join(packageDir, name === 'scripts/index.js' ? 'index.mjs' : name);
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, data, { mode: 0o644 });
    }
    const images = verified.images.map(({ id, offset, size }) => ({ id, offset, size }));
    await writeFile(join(dir, LAYOUT_FILE), `${JSON.stringify({ images }, null, 2)}\n`);
    return { manifest: verified.manifest, signer: verified.signer.fingerprint, signerPublicKey: verified.signer.publicKey, images, dir };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Move a staged package into `packages/<id>/<version>-<random>/` with one rename: readers see no
 * package or the whole one. It counts as installed once the state names that dir.
 */
export async function commitStaged(layout: Layout, staged: StagedPackage): Promise<string> {
  const parent = join(layout.packagesDir, staged.manifest.id);
  await ensureDir(parent, 'passage');
  await ensureDir(staged.dir, 'passage'); // staged private; installed, its package/ is bound into the container
  const installDir = `${staged.manifest.version}-${randomBytes(4).toString('hex')}`;
  await rename(staged.dir, join(parent, installDir));
  await fsyncDir(parent);
  return installDir;
}

/** Remove `packages/<id>` (all versions), or one version dir of it. */
export async function removePackageFiles(layout: Layout, id: string, installDir?: string): Promise<void> {
  const target = installDir === undefined ? join(layout.packagesDir, id) : join(layout.packagesDir, id, installDir);
  // Rename first so a crash mid-delete never leaves a half package under its real name.
  const doomed = join(layout.tmpDir, `remove-${id}-${randomBytes(6).toString('hex')}`);
  await mkdir(layout.tmpDir, { recursive: true, mode: 0o700 });
  try {
    await rename(target, doomed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await rm(doomed, { recursive: true, force: true });
}

export async function readInstalledImages(layout: Layout, id: string, installDir?: string): Promise<InstalledImage[]> {
  const parsed = JSON.parse(await readFile(join(installDirOf(layout, id, installDir), LAYOUT_FILE), 'utf8')) as { images: InstalledImage[] };
  return parsed.images;
}

/** Validated again on read: a manifest stored by an older hearth gets the fields added since, with their defaults. */
export async function readInstalledManifest(layout: Layout, id: string, installDir?: string): Promise<Manifest> {
  return validateManifest(JSON.parse(await readFile(join(installDirOf(layout, id, installDir), 'package', 'manifest.json'), 'utf8')));
}

/** Remove the files of a version that was replaced (an update committed its successor). */
export async function removeInstalledVersion(layout: Layout, id: string, installDir: string | undefined): Promise<void> {
  if (installDir !== undefined) {
    await removePackageFiles(layout, id, installDir);
    return;
  }
  // An install from before versioned dirs keeps its files in packages/<id>/ itself, beside the new version's dir.
  const dir = join(layout.packagesDir, id);
  for (const name of LEGACY_PACKAGE_FILES) await rm(join(dir, name), { recursive: true, force: true });
}
