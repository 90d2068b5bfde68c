import { readFile } from 'node:fs/promises';
import { HearthError, dict, parseJsonDict, type BackupScheduleInfo, type LastBackup } from '@hearth/sdk/contract';
import { writeFileAtomic } from './atomic.js';

/** What hearthd remembers across restarts, in one JSON document written atomically. */
export interface ServiceRecord {
  /** How its last scheduled backup went (backup/scheduler.ts). */
  lastBackup?: LastBackup;
  version: string;
  title: string;
  /** Hex sha256 of the publisher's ed25519 key. */
  signer: string;
  installedAt: string;
  /** Host port assigned to each interface; kept for the life of the install. */
  ports: Record<string, number>;
  /** Its address on hearth's bridge and whether the user lets it connect out; kept across updates. */
  network?: { address: string; outbound: boolean };
  desired: 'running' | 'stopped';
  /** Directory under packages/<id>/ of the installed version. */
  installDir?: string;
  /**
   * An update of a running service in progress: the version it replaced, whose files are kept
   * until this one is recorded ready. Boot finishes it: starts this version, or rolls back to that.
   */
  previous?: PreviousVersion;
  /** Settings by name (not secret; secrets are in the secret store), defaults filled at install. */
  settings?: Record<string, string | number | boolean>;
  /** Set by an update, until the next start has passed it to the runtime (the afterUpdate hook). */
  afterUpdateFrom?: string;
}

/** The record of the version an update replaced, as it was. */
export type PreviousVersion = Omit<ServiceRecord, 'desired' | 'previous' | 'afterUpdateFrom'>;

export function previousOf(record: ServiceRecord): PreviousVersion {
  const { version, title, signer, installedAt, ports, installDir, network, settings } = record;
  return {
    version,
    title,
    signer,
    installedAt,
    ports,
    ...(installDir !== undefined && { installDir }),
    ...(network !== undefined && { network }),
    ...(settings !== undefined && { settings }),
  };
}

export interface TrustedKey {
  /** Raw ed25519 public key, base64. */
  publicKey: string;
  name: string;
  addedAt: string;
}

export interface State {
  format: 'hearth-state-v1';
  services: Record<string, ServiceRecord>;
  /** Publisher keys whose packages install without --allow-untrusted, by fingerprint. */
  trusted: Record<string, TrustedKey>;
  /** Host-wide backup settings (backup/policy.ts). */
  backup?: BackupSettings;
}

export interface BackupSettings {
  /** A successful backup into this target comes before every update of an installed service. */
  requireBeforeUpdate?: string;
  /** By service id, or `*` for every installed service. */
  schedules?: Record<string, Omit<BackupScheduleInfo, 'service'>>;
}

export function emptyState(): State {
  return { format: 'hearth-state-v1', services: dict(), trusted: dict() };
}

/**
 * Every object in the state has no prototype: ids (`constructor`, `__proto__`) are keys like any
 * other. JSON in and out keeps it so (structuredClone would bring the prototype back).
 */
function parseState(text: string): Partial<State> {
  return parseJsonDict(text) as Partial<State>;
}

export async function loadState(path: string): Promise<State> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw error;
  }
  const parsed = parseState(text);
  if (parsed.format !== 'hearth-state-v1' || typeof parsed.services !== 'object' || parsed.services === null) {
    throw new HearthError('INTERNAL', `${path} is not a hearth state file`, {
      hint: 'restore it from a backup or move it away to start with an empty state',
    });
  }
  const backup = typeof parsed.backup === 'object' && parsed.backup !== null ? parsed.backup : undefined;
  return { format: parsed.format, services: parsed.services, trusted: parsed.trusted ?? dict(), ...(backup !== undefined && { backup }) };
}

/** Serializes writers so two updates never race on the temp file or lose each other's change. */
export class StateStore {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private current: State,
  ) {}

  static async open(path: string): Promise<StateStore> {
    return new StateStore(path, await loadState(path));
  }

  get state(): Readonly<State> {
    return this.current;
  }

  service(id: string): ServiceRecord | undefined {
    return Object.hasOwn(this.current.services, id) ? this.current.services[id] : undefined;
  }

  /** Apply `change` to a copy and persist it; the in-memory state changes only once the write is durable. */
  update(change: (draft: State) => void): Promise<void> {
    const run = async (): Promise<void> => {
      const draft = parseState(JSON.stringify(this.current)) as State;
      change(draft);
      const text = JSON.stringify(draft, null, 2);
      await writeFileAtomic(this.path, `${text}\n`);
      // Read back from the text: records the change built as plain objects lose their prototype too.
      this.current = parseState(text) as State;
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
