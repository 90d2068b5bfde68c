import { open, readFile, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { HearthError, dict, parseJsonDict } from '@hearth/sdk/contract';
import { writeFileAtomic } from '../store/atomic.js';
import type { StoredSecret, StoredSecrets } from './reconcile.js';

const FORMAT = 'hearth-secrets-v1';
/** Far more than 64 secrets of 4096 characters: a larger file is not one we wrote. */
const MAX_SECRETS_FILE_BYTES = 1024 * 1024;

/**
 * Each service's secret values in `<secretsDir>/<id>.json`: the dir is root's 0700 (layout.ts,
 * host kind), each file 0600, replaced atomically (write temp, fsync, rename). Outside every
 * container and never in state.json. Not encrypted: the key would have to sit beside it, readable
 * by the same root (SECURITY.md). Writes for one service are serialized by the caller's lock.
 */
export class SecretStore {
  constructor(private readonly dir: string) {}

  private file(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** The service's secrets; none when it has no file yet. */
  async read(id: string): Promise<StoredSecrets> {
    let text: string;
    try {
      // O_NOFOLLOW: the dir is root's only, but a link here would still be nothing hearthd made.
      const handle = await open(this.file(id), constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const { size } = await handle.stat();
        if (size > MAX_SECRETS_FILE_BYTES) throw new HearthError('INTERNAL', `${this.file(id)} is larger than a secrets file can be`, { hint: 'restore it from a backup' });
        text = await readFile(handle, 'utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return dict();
      throw error;
    }
    const parsed = parseJsonDict(text) as { format?: unknown; secrets?: unknown };
    if (parsed.format !== FORMAT || typeof parsed.secrets !== 'object' || parsed.secrets === null) {
      throw new HearthError('INTERNAL', `${this.file(id)} is not a hearth secrets file`, { hint: 'restore it from a backup, or remove it to generate new secrets (a database initialised with the old ones will refuse them)' });
    }
    const secrets = dict<StoredSecret>();
    for (const [name, entry] of Object.entries(parsed.secrets as Record<string, unknown>)) {
      const { value, setAt } = (entry ?? {}) as Partial<StoredSecret>;
      if (typeof value === 'string' && typeof setAt === 'string') secrets[name] = { value, setAt };
    }
    return secrets;
  }

  /** Replace the service's secrets (0600 from the first byte: the temp file is made so). */
  async write(id: string, secrets: StoredSecrets): Promise<void> {
    await writeFileAtomic(this.file(id), `${JSON.stringify({ format: FORMAT, secrets })}\n`);
  }

  /** `uninstall --purge`: the values are gone with the volumes they protected. */
  async remove(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
  }
}
