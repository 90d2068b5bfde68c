/**
 * The backup engine behind `hearth backup`: what hearth asks of it, so a second engine (BorgBackup,
 * say) is one more implementation of this interface. The one in use is restic (restic.ts).
 */

/** Where a repository is and how to open it: `repository` is the engine's own location string. */
export interface RepositoryRef {
  /** A path, or a remote location the engine understands (`sftp:user@host:/srv/hearth`, `s3:…`). */
  repository: string;
  /** The repository password, in a root-only file: never on a command line or in an environment. */
  passwordFile: string;
}

export interface SnapshotInfo {
  /** The full id (hex). */
  id: string;
  shortId: string;
  /** ISO 8601. */
  time: string;
  tags: string[];
}

export interface BackupProgress {
  bytesDone: number;
  totalBytes: number;
  filesDone: number;
  totalFiles: number;
}

export interface BackupResult {
  snapshotId: string;
  /** Bytes read from the paths. */
  bytesProcessed: number;
  /** Bytes the repository grew by (after deduplication and compression). */
  bytesAdded: number;
  files: number;
}

/** How many snapshots `forget` keeps, per group of equal tags. */
export interface Retention {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
}

export interface BackupEngine {
  readonly name: string;
  /** Create a new, empty repository protected by the password in `repo.passwordFile`. */
  init(repo: RepositoryRef, signal?: AbortSignal): Promise<void>;
  /** Opens the repository (right password, readable config) without changing it. */
  open(repo: RepositoryRef, signal?: AbortSignal): Promise<void>;
  /** Store `paths` (relative to `cwd`, stored as such) as one snapshot with `tags`. */
  backup(repo: RepositoryRef, source: { cwd: string; paths: string[]; tags: string[] }, onProgress: (p: BackupProgress) => void, signal?: AbortSignal): Promise<BackupResult>;
  /** Snapshots carrying every tag in `tags`, oldest first. */
  snapshots(repo: RepositoryRef, tags: string[], signal?: AbortSignal): Promise<SnapshotInfo[]>;
  /** Write a snapshot's files into `targetDir` (which must be empty) and verify what was written. */
  restore(repo: RepositoryRef, snapshotId: string, targetDir: string, signal?: AbortSignal): Promise<void>;
  /** Check the repository's structure, and with `readData` every byte of its data. */
  check(repo: RepositoryRef, readData: boolean, signal?: AbortSignal): Promise<void>;
  /** Forget snapshots with `tags` beyond `keep`, and free the space no snapshot uses any more. */
  forget(repo: RepositoryRef, tags: string[], keep: Retention, signal?: AbortSignal): Promise<void>;
}
