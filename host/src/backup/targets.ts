import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError, dict, parseJsonDict } from '@hearth/sdk/contract';
import { writeFileAtomic } from '../store/atomic.js';
import { ensureDir } from '../layout.js';
import type { BackupEngine, RepositoryRef } from './engine.js';

/**
 * Backup targets: a name for a restic repository and its password. `<dataDir>/backup/` is root's
 * 0700 (like the secret store), `targets.json` and each `keys/<name>.key` 0600, written atomically.
 * A target is {name, repository, passwordFile}: the repository is restic's location string, so a
 * local disk, `sftp:host:/path` or `s3:…` is configuration (SFTP uses root's ssh config and keys).
 */

const FORMAT = 'hearth-backup-targets-v1';
/** 256 random bits, as restic's own generated keys. */
const PASSWORD_BYTES = 32;
const MAX_TARGETS_FILE_BYTES = 1024 * 1024;
const MAX_PASSWORD_FILE_BYTES = 4096;
export const TARGET_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** restic's remote backends; anything else must be an absolute local path. */
const REMOTE_SCHEMES = ['sftp', 's3', 'rest', 'b2', 'azure', 'gs', 'swift', 'rclone'];

export interface Target extends RepositoryRef {
  name: string;
  addedAt: string;
}

export interface TargetAdded {
  target: Omit<Target, 'passwordFile'>;
  /** The generated password, returned this once (absent when the user gave the repository's own). */
  password?: string;
  /** True when a new repository was made; false when an existing one was opened with its password. */
  created: boolean;
}

/** A repository location we hand restic: an absolute path (`local:` optional) or a remote backend's string. */
export function checkRepository(value: string): string | null {
  if (value.length === 0 || value.length > 1024 || /[\0\n]/.test(value)) return 'expected a restic repository: an absolute path, or sftp:/s3:/rest:… up to 1024 characters';
  const path = value.startsWith('local:') ? value.slice('local:'.length) : value;
  if (path.startsWith('/')) return null;
  const scheme = /^([a-z0-9]+):/.exec(value)?.[1];
  if (scheme !== undefined && REMOTE_SCHEMES.includes(scheme)) return null;
  return `expected an absolute path or a restic repository (${REMOTE_SCHEMES.map((s) => `${s}:`).join(', ')})`;
}

export class TargetStore {
  private readonly file: string;
  private readonly keysDir: string;

  constructor(
    private readonly dir: string,
    private readonly engine: BackupEngine,
  ) {
    this.file = join(dir, 'targets.json');
    this.keysDir = join(dir, 'keys');
  }

  async ensureDirs(): Promise<void> {
    await ensureDir(this.dir, 'host');
    await ensureDir(this.keysDir, 'host');
  }

  async list(): Promise<Target[]> {
    let text: string;
    try {
      const handle = await open(this.file, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        if ((await handle.stat()).size > MAX_TARGETS_FILE_BYTES) throw new HearthError('INTERNAL', `${this.file} is larger than a targets file can be`);
        text = await readFile(handle, 'utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed = parseJsonDict(text) as { format?: unknown; targets?: unknown };
    if (parsed.format !== FORMAT || typeof parsed.targets !== 'object' || parsed.targets === null) throw new HearthError('INTERNAL', `${this.file} is not a hearth targets file`);
    const targets: Target[] = [];
    for (const [name, entry] of Object.entries(parsed.targets as Record<string, unknown>)) {
      const { repository, addedAt } = (entry ?? {}) as Partial<Target>;
      if (TARGET_NAME.test(name) && typeof repository === 'string' && typeof addedAt === 'string') targets.push({ name, repository, addedAt, passwordFile: this.keyFile(name) });
    }
    return targets.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<Target> {
    const found = (await this.list()).find((t) => t.name === name);
    if (found === undefined) {
      throw new HearthError('BACKUP_TARGET_NOT_FOUND', `no backup target ${JSON.stringify(name)}`, { hint: 'see `hearth backup target ls`, or add one with `hearth backup target add <name> <path>`', details: { target: name } });
    }
    return found;
  }

  private keyFile(name: string): string {
    return join(this.keysDir, `${name}.key`);
  }

  private async save(targets: Target[]): Promise<void> {
    const out = dict<{ repository: string; addedAt: string }>();
    for (const t of targets) out[t.name] = { repository: t.repository, addedAt: t.addedAt };
    await writeFileAtomic(this.file, `${JSON.stringify({ format: FORMAT, targets: out }, null, 2)}\n`);
  }

  /**
   * A new target: with no `password`, a new repository protected by a generated one (returned once);
   * with one, an existing repository it must open (a machine rebuilt from its backups). Nothing is
   * recorded unless the repository was made or opened.
   */
  async add(name: string, repository: string, password?: string): Promise<TargetAdded> {
    await this.ensureDirs();
    const targets = await this.list();
    if (targets.some((t) => t.name === name)) throw new HearthError('INVALID_PARAMS', `a backup target ${JSON.stringify(name)} exists already`, { hint: `remove it first: hearth backup target remove ${name}` });
    const generated = password === undefined ? randomBytes(PASSWORD_BYTES).toString('base64url') : undefined;
    const target: Target = { name, repository, addedAt: new Date().toISOString(), passwordFile: this.keyFile(name) };
    await writeFileAtomic(target.passwordFile, password ?? generated ?? '', 0o600);
    try {
      if (generated !== undefined) await this.engine.init(target);
      else await this.engine.open(target);
    } catch (error) {
      await rm(target.passwordFile, { force: true });
      throw error;
    }
    await this.save([...targets, target]);
    return { target: { name, repository, addedAt: target.addedAt }, ...(generated !== undefined && { password: generated }), created: generated !== undefined };
  }

  /** Forget a target and its password file; the repository itself is left as it is. */
  async remove(name: string): Promise<void> {
    const targets = await this.list();
    const target = targets.find((t) => t.name === name) ?? (await this.get(name));
    await this.save(targets.filter((t) => t !== target));
    await rm(target.passwordFile, { force: true });
  }

  /** The target's password file is ours and small: a sanity check before a restore trusts it. */
  async assertKey(target: Target): Promise<void> {
    const handle = await open(target.passwordFile, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: unknown) => {
      throw new HearthError('BACKUP_PASSWORD_WRONG', `the password file of target ${target.name} is missing`, { hint: `add the target again with its password: hearth backup target add ${target.name} ${target.repository} --password-stdin`, cause: error });
    });
    try {
      if ((await handle.stat()).size > MAX_PASSWORD_FILE_BYTES) throw new HearthError('INTERNAL', `${target.passwordFile} is larger than a password file can be`);
    } finally {
      await handle.close();
    }
  }
}

