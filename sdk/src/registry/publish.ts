import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { HearthError } from '../errors.js';
import { verifyArchive } from '../archive/reader.js';
import { loadPrivateKey, publicKeyOf } from '../archive/signing.js';
import { ENVELOPE_FORMAT, INDEX_FILE, openIndex, signIndex, type RegistryIndex } from './index-document.js';

/** How long a freshly signed index stays valid unless `--expires-days` says otherwise. */
export const DEFAULT_EXPIRES_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_ICON_BYTES = 256 * 1024;
const ICON_TYPES = ['.png', '.svg', '.webp'];

export interface PublishOptions {
  hpk: string;
  registryDir: string;
  /** The registry's signing key (PKCS#8 PEM), not the publisher's. */
  keyPath: string;
  minHearth?: string;
  icon?: string;
  /** @default 30 */
  expiresDays?: number;
  now?: Date;
}

export interface PublishResult {
  id: string;
  version: string;
  indexVersion: number;
  file: string;
  sha256: string;
  expires: string;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Copy into the registry under a temp name, then rename: a server never serves half a file. */
async function place(from: string, to: string): Promise<void> {
  const tmp = `${to}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await copyFile(from, tmp);
    await rename(tmp, to);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Publishes to one folder take turns: an exclusive lock file beside the index (a lost update otherwise). */
async function withIndexLock<T>(registryDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(registryDir, `${INDEX_FILE}.lock`);
  const held = await open(lock, 'wx').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
    throw new HearthError('INVALID_PARAMS', `another publish to ${registryDir} is under way (${lock} exists)`, { hint: `wait for it; if none runs, delete ${lock}` });
  });
  try {
    return await fn();
  } finally {
    await held.close();
    await rm(lock, { force: true });
  }
}

async function readCurrent(registryDir: string, registryKey: string): Promise<RegistryIndex | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(registryDir, INDEX_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return openIndex(bytes, registryKey);
}

/**
 * Add a package version to a registry folder and sign the index again: the .hpk is checked,
 * copied to `packages/<id>/<id>-<version>.hpk`, and the index gets the next version number and a
 * new expiry. Publishes to one folder are serialized by an exclusive lock file.
 */
export async function publishPackage(options: PublishOptions): Promise<PublishResult> {
  const now = options.now ?? new Date();
  if (options.minHearth !== undefined && !/^\d+\.\d+\.\d+$/.test(options.minHearth)) throw new HearthError('INVALID_PARAMS', `--min-hearth ${options.minHearth}: expected a version like 0.2.0`);
  const archive = await verifyArchive(options.hpk);
  const { manifest } = archive;
  const key = await loadPrivateKey(options.keyPath);
  const registryKey = publicKeyOf(key);
  await mkdir(join(options.registryDir, 'packages', manifest.id), { recursive: true });
  return await withIndexLock(options.registryDir, async () => {
    const current = await readCurrent(options.registryDir, registryKey);
    const existing = current?.packages[manifest.id];
    if (existing && existing.publisher !== archive.signer.publicKey) {
      throw new HearthError('SIGNER_CHANGED', `${manifest.id} is published in this registry by another key than the one that signed ${options.hpk}`, {
        hint: 'sign with the publisher key of the earlier versions',
        details: { expected: existing.publisher, actual: archive.signer.publicKey },
      });
    }
    const file = `packages/${manifest.id}/${manifest.id}-${manifest.version}.hpk`;
    const sha256 = await sha256Of(options.hpk);
    const previous = existing?.versions[manifest.version];
    if (previous && previous.sha256 !== sha256) {
      throw new HearthError('INVALID_PARAMS', `${manifest.id} ${manifest.version} is already published with other content`, { hint: 'raise the version in the manifest; a published version never changes' });
    }
    await place(options.hpk, join(options.registryDir, file));

    let icon = existing?.icon ?? null;
    if (options.icon !== undefined) {
      const ext = extname(options.icon).toLowerCase();
      if (!ICON_TYPES.includes(ext)) throw new HearthError('INVALID_PARAMS', `--icon ${options.icon}: expected one of ${ICON_TYPES.join(', ')}`);
      if ((await stat(options.icon)).size > MAX_ICON_BYTES) throw new HearthError('INVALID_PARAMS', `--icon ${options.icon} is larger than ${MAX_ICON_BYTES} bytes`);
      icon = `icons/${manifest.id}${ext}`;
      await mkdir(join(options.registryDir, 'icons'), { recursive: true });
      await place(options.icon, join(options.registryDir, icon));
    }

    const dependencies = Object.fromEntries(Object.entries(manifest.dependencies ?? {}).map(([id, d]) => [id, d.version]));
    const packages = { ...(current?.packages ?? {}) };
    packages[manifest.id] = {
      title: manifest.title,
      description: manifest.description ?? existing?.description ?? '',
      icon,
      publisher: archive.signer.publicKey,
      versions: {
        ...(existing?.versions ?? {}),
        [manifest.version]: { file, size: (await stat(options.hpk)).size, sha256, minHearth: options.minHearth ?? previous?.minHearth ?? null, dependencies, published: previous?.published ?? now.toISOString() },
      },
    };
    const expires = new Date(now.getTime() + (options.expiresDays ?? DEFAULT_EXPIRES_DAYS) * DAY_MS).toISOString();
    const index: RegistryIndex = { format: ENVELOPE_FORMAT, version: (current?.version ?? 0) + 1, issued: now.toISOString(), expires, packages };
    const envelope = signIndex(index, key);
    const tmp = join(options.registryDir, `${INDEX_FILE}.tmp-${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, envelope);
    await rename(tmp, join(options.registryDir, INDEX_FILE));
    return { id: manifest.id, version: manifest.version, indexVersion: index.version, file, sha256, expires };
  });
}

/**
 * Sign a registry's index again with a new expiry and the next version, changing nothing else:
 * what an operator runs (from cron) so hosts keep accepting an index no publish has refreshed.
 */
export async function resignRegistry(options: { registryDir: string; keyPath: string; expiresDays?: number; now?: Date }): Promise<{ indexVersion: number; expires: string }> {
  const now = options.now ?? new Date();
  const key = await loadPrivateKey(options.keyPath);
  return await withIndexLock(options.registryDir, async () => {
    const current = await readCurrent(options.registryDir, publicKeyOf(key));
    if (current === null) throw new HearthError('INVALID_PARAMS', `${options.registryDir} has no ${INDEX_FILE} yet`, { hint: 'publish a package first: hearth-pack publish FILE.hpk --registry DIR --key KEY' });
    const expires = new Date(now.getTime() + (options.expiresDays ?? DEFAULT_EXPIRES_DAYS) * DAY_MS).toISOString();
    const index: RegistryIndex = { ...current, version: current.version + 1, issued: now.toISOString(), expires };
    const tmp = join(options.registryDir, `${INDEX_FILE}.tmp-${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, signIndex(index, key));
    await rename(tmp, join(options.registryDir, INDEX_FILE));
    return { indexVersion: index.version, expires };
  });
}
