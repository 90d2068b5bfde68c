import { readFile } from 'node:fs/promises';
import { HearthError, dict, ownValue, type RegistryInfo } from '@hearth/sdk/contract';
import { fingerprint } from '@hearth/sdk/archive';
import { writeFileAtomic } from '../store/atomic.js';

/** A registry name: what `hearth registry add` takes and commands show. */
export const REGISTRY_NAME = /^[a-z][a-z0-9-]{0,31}$/;

interface Stored {
  format: 'hearth-registries-v1';
  registries: Record<string, Omit<RegistryInfo, 'name' | 'fingerprint'>>;
}

/**
 * The registries this host reads and, per registry, the highest index version it accepted (the
 * anti-rollback floor), in one JSON file written atomically. Updates are serialized so two
 * concurrent refreshes never write an older floor over a newer one.
 */
export class RegistryStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private data: Stored,
  ) {}

  static async open(file: string): Promise<RegistryStore> {
    let data: Stored = { format: 'hearth-registries-v1', registries: dict() };
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== null) {
      // Written atomically by this class only: damage means a disk problem or a hand edit, said plainly.
      let parsed: Stored | null = null;
      try {
        parsed = JSON.parse(text) as Stored;
      } catch (error) {
        throw new HearthError('INTERNAL', `${file} is not JSON`, { hint: 'restore it from a backup, or delete it and add the registries again', cause: error });
      }
      if (parsed?.format !== 'hearth-registries-v1') throw new HearthError('INTERNAL', `${file} is not a hearth registries file`, { hint: 'restore it from a backup, or delete it and add the registries again' });
      data = { format: parsed.format, registries: Object.assign(dict(), parsed.registries) };
    }
    return new RegistryStore(file, data);
  }

  list(): RegistryInfo[] {
    return Object.entries(this.data.registries)
      .map(([name, r]) => ({ name, fingerprint: fingerprint(r.publicKey), ...r }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): RegistryInfo {
    const r = ownValue(this.data.registries, name);
    if (r === undefined) throw new HearthError('REGISTRY_NOT_FOUND', `no registry is named ${name}`, { hint: 'see `hearth registry ls`' });
    return { name, fingerprint: fingerprint(r.publicKey), ...r };
  }

  async put(info: RegistryInfo): Promise<void> {
    const { name, url, publicKey, addedAt, seenVersion } = info;
    await this.write((d) => {
      d.registries[name] = { url, publicKey, addedAt, seenVersion };
    });
  }

  async remove(name: string): Promise<void> {
    this.get(name);
    await this.write((d) => {
      delete d.registries[name];
    });
  }

  /** Raise the floor to `version` (never lower it). */
  async recordSeen(name: string, version: number): Promise<void> {
    await this.write((d) => {
      const r = ownValue(d.registries, name);
      if (r !== undefined && version > r.seenVersion) r.seenVersion = version;
    });
  }

  private async write(change: (draft: Stored) => void): Promise<void> {
    const run = this.queue.then(async () => {
      const draft = structuredClone(this.data);
      draft.registries = Object.assign(dict(), draft.registries);
      change(draft);
      await writeFileAtomic(this.file, `${JSON.stringify(draft, null, 2)}\n`);
      this.data = draft;
    });
    this.queue = run.catch(() => undefined);
    await run;
  }
}
