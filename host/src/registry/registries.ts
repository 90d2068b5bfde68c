import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError, compareVersions, type HostEvent, type PackageSummary, type RegistryInfo, type RegistryPackageInfo, type RegistryPlanItem, type RegistryUpdate } from '@hearth/sdk/contract';
import { fingerprint } from '@hearth/sdk/archive';
import { INDEX_FILE, MAX_INDEX_BYTES, openIndex } from '@hearth/sdk/registry';
import { rawPublicKey } from '../store/trusted-keys.js';
import { downloadResumable, fetchBytes } from './http-get.js';
import { planInstall, resolveVersion, searchIndexes, type Candidate, type LoadedIndex } from './resolve.js';
import type { RegistryStore } from './store.js';

/** What the registries need from the service manager: the installed packages and the install path. */
export interface Installer {
  list(): { id: string; version: string; signer: string }[];
  install(path: string, options: { allowUntrusted?: boolean; expectId?: string }): Promise<PackageSummary>;
  emit(event: HostEvent): void;
}

/** signature.json is the first member: its header's size field, then its JSON (bounded). */
const SIGNATURE_HEAD_BYTES = 64 * 1024;

/**
 * Installing from registries: each use fetches every index anew and accepts it only if the
 * registry's key signed it, it has not expired and it is not older than one seen before. A
 * download is checked against the index (size, sha256, publisher) before the normal install
 * path verifies the package itself; any refusal leaves the host as it was.
 */
export class Registries {
  constructor(
    private readonly store: RegistryStore,
    private readonly installer: Installer,
    private readonly downloadsDir: string,
    private readonly hearthVersion: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Add or replace a registry; it must serve a valid index signed by `publicKey` now. */
  async add(name: string, url: string, publicKey: string): Promise<RegistryInfo> {
    const key = rawPublicKey(publicKey);
    const base = url.endsWith('/') ? url : `${url}/`;
    // Adding the same registry again (same key) keeps its floor: re-adding is no way to accept a replay.
    const before = this.store.list().find((r) => r.name === name && r.publicKey === key);
    const info: RegistryInfo = { name, url: base, publicKey: key, fingerprint: fingerprint(key), addedAt: new Date().toISOString(), seenVersion: before?.seenVersion ?? 0 };
    const index = await this.load(info);
    const added = { ...info, seenVersion: Math.max(info.seenVersion, index.index.version) };
    await this.store.put(added);
    return added;
  }

  list(): RegistryInfo[] {
    return this.store.list();
  }

  async remove(name: string): Promise<void> {
    await this.store.remove(name);
    await rm(join(this.downloadsDir, name), { recursive: true, force: true });
  }

  async search(words: string[]): Promise<RegistryPackageInfo[]> {
    const installed = new Map(this.installer.list().map((s) => [s.id, s.version]));
    return searchIndexes(await this.loadAll(), words, (id) => installed.get(id) ?? null);
  }

  /** What `install` with `dependencies` would install, dependencies first. */
  async plan(id: string, range: string, registry?: string): Promise<RegistryPlanItem[]> {
    return (await this.planned(id, range, registry)).map((c) => ({ id: c.id, version: c.version, registry: c.registry, size: c.entry.size, requested: c.id === id }));
  }

  /** Install `id` (and, with `dependencies`, what it needs that is missing: dependencies first). */
  async install(id: string, range: string, options: { registry?: string; allowUntrusted?: boolean; dependencies?: boolean }): Promise<PackageSummary> {
    const plan = options.dependencies === true ? await this.planned(id, range, options.registry) : [resolveVersion(await this.indexes(options.registry), id, range, this.hearthVersion)];
    let result: PackageSummary | null = null;
    for (const candidate of plan) result = await this.installCandidate(candidate, options.allowUntrusted);
    if (result === null) throw new HearthError('INTERNAL', `the plan to install ${id} is empty`);
    return result;
  }

  private async planned(id: string, range: string, registry?: string): Promise<Candidate[]> {
    const installed = new Map(this.installer.list().map((s) => [s.id, s.version]));
    return planInstall(await this.indexes(registry), id, range, this.hearthVersion, installed);
  }

  private async indexes(registry?: string): Promise<LoadedIndex[]> {
    return registry === undefined ? await this.loadAll() : [await this.load(this.store.get(registry))];
  }

  async updates(): Promise<RegistryUpdate[]> {
    return this.findUpdates(await this.loadAll()).map(({ installed, candidate }) => ({ id: candidate.id, registry: candidate.registry, installed, available: candidate.version }));
  }

  async update(only: string | null, allowUntrusted?: boolean): Promise<PackageSummary[]> {
    const found = this.findUpdates(await this.loadAll());
    if (only !== null && !this.installer.list().some((s) => s.id === only)) throw new HearthError('PACKAGE_NOT_INSTALLED', `${only} is not installed`, { hint: 'install it with `hearth install <id>`' });
    const updated: PackageSummary[] = [];
    for (const { candidate } of found.filter((f) => only === null || f.candidate.id === only)) updated.push(await this.installCandidate(candidate, allowUntrusted));
    return updated;
  }

  /** Newer versions, signed by the publisher of the installed one (an update keeps its publisher). */
  private findUpdates(indexes: LoadedIndex[]): { installed: string; candidate: Candidate }[] {
    const out: { installed: string; candidate: Candidate }[] = [];
    for (const service of this.installer.list()) {
      const same = indexes.filter((i) => {
        const pkg = i.index.packages[service.id];
        return pkg !== undefined && fingerprint(pkg.publisher) === service.signer;
      });
      if (same.length === 0) continue;
      try {
        const candidate = resolveVersion(same, service.id, `>${service.version}`, this.hearthVersion);
        if (compareVersions(candidate.version, service.version) > 0) out.push({ installed: service.version, candidate });
      } catch (error) {
        if (!(error instanceof HearthError) || error.code !== 'REGISTRY_PACKAGE_NOT_FOUND') throw error;
      }
    }
    return out;
  }

  private async loadAll(): Promise<LoadedIndex[]> {
    const all = this.store.list();
    if (all.length === 0) throw new HearthError('REGISTRY_NOT_FOUND', 'this host reads no registry', { hint: 'add one: hearth registry add <name> <url> --key <public key file>' });
    const out: LoadedIndex[] = [];
    for (const info of all) out.push(await this.load(info));
    return out;
  }

  /** Fetch, verify and accept one registry's index, raising its anti-rollback floor. */
  private async load(info: RegistryInfo): Promise<LoadedIndex> {
    const index = openIndex(await fetchBytes(new URL(INDEX_FILE, info.url).href, MAX_INDEX_BYTES), info.publicKey);
    const now = this.now();
    if (Date.parse(index.expires) <= now.getTime()) {
      throw new HearthError('REGISTRY_EXPIRED', `the index of registry ${info.name} expired at ${index.expires}`, {
        hint: 'the registry (or a mirror) serves a stale index: its operator must publish or re-sign it; nothing was changed',
        details: { registry: info.name, expires: index.expires },
      });
    }
    if (index.version < info.seenVersion) {
      throw new HearthError('REGISTRY_ROLLBACK', `registry ${info.name} serves index version ${index.version}, older than version ${info.seenVersion} seen before`, {
        hint: 'a replayed index (or a mirror behind): packages it lists may have known flaws; nothing was changed',
        details: { registry: info.name, served: index.version, seen: info.seenVersion },
      });
    }
    if (index.version > info.seenVersion && this.store.list().some((r) => r.name === info.name)) await this.store.recordSeen(info.name, index.version);
    return { registry: info.name, base: info.url, index };
  }

  private async installCandidate(candidate: Candidate, allowUntrusted?: boolean): Promise<PackageSummary> {
    const { registry, id, version, entry } = candidate;
    const dir = join(this.downloadsDir, registry);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // The name carries the sha256: a partial file is only ever resumed with the bytes it was begun with.
    const file = join(dir, `${id}-${version}-${entry.sha256.slice(0, 16)}.hpk`);
    const partial = `${file}.partial`;
    const url = new URL(entry.file, candidate.base).href;
    this.installer.emit({ type: 'install.progress', path: file, phase: 'downloading', bytes: 0, totalBytes: entry.size });
    await downloadResumable(url, partial, entry.size, (bytes) => this.installer.emit({ type: 'install.progress', path: file, phase: 'downloading', bytes, totalBytes: entry.size }));
    try {
      const sha256 = await sha256Of(partial);
      if (sha256 !== entry.sha256) {
        throw new HearthError('REGISTRY_HASH_MISMATCH', `${url} is not the file the index of ${registry} names for ${id} ${version}`, {
          hint: 'the registry or a mirror serves another file than its signed index says; nothing was installed',
          details: { expected: entry.sha256, actual: sha256 },
        });
      }
      const claimed = await claimedPublisher(partial);
      if (claimed !== candidate.pkg.publisher) {
        throw new HearthError('REGISTRY_PUBLISHER_MISMATCH', `${id} ${version} is signed by another publisher than registry ${registry} names for it`, {
          hint: 'the package and the index disagree on who published it; nothing was installed',
          details: { expected: fingerprint(candidate.pkg.publisher), actual: claimed === null ? null : fingerprint(claimed) },
        });
      }
      await rename(partial, file);
      return await this.installer.install(file, { expectId: id, ...(allowUntrusted !== undefined && { allowUntrusted }) });
    } finally {
      await rm(partial, { force: true });
      await rm(file, { force: true });
    }
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The publisher key signature.json claims (the install path verifies the signature itself), or null. */
async function claimedPublisher(path: string): Promise<string | null> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(SIGNATURE_HEAD_BYTES);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    const size = Number.parseInt(head.toString('latin1', 124, 135), 8);
    if (!Number.isSafeInteger(size) || size <= 0 || 512 + size > bytesRead) return null;
    const doc = JSON.parse(head.toString('utf8', 512, 512 + size)) as { publicKey?: unknown };
    return typeof doc.publicKey === 'string' ? doc.publicKey : null;
  } catch {
    return null; // unreadable: the mismatch error says so, and the install path would refuse it anyway
  } finally {
    await file.close();
  }
}
