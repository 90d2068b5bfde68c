import { execa, type ResultPromise } from 'execa';
import { HearthError } from '@hearth/sdk/contract';
import type { BackupEngine, BackupProgress, BackupResult, RepositoryRef, Retention, SnapshotInfo } from './engine.js';
import { MAX_JSON_LINE_CHARS, parseBackupLine, parseSnapshots, resticError } from './restic-output.js';

/**
 * restic (Debian's `restic` package) as hearth's backup engine. Why restic: repositories are
 * encrypted (AES-256, authenticated) and content-addressed, so each backup after the first stores
 * only changed chunks, deduplicated across services; `restic check --read-data` verifies every
 * byte; it is one static binary with no daemon; and a repository is a location string, so a local
 * disk, SFTP or S3 is configuration, not code. BorgBackup was the other candidate: as good at
 * deduplication, but remote repositories need borg on the server, and no S3.
 *
 * Every run: the password from a root-only file (`--password-file`: never argv, never the
 * environment, which /proc shows to root only but which children inherit), hearth's own cache dir,
 * a clean environment (no RESTIC_* of whoever started hearthd), and `setpriv --pdeathsig KILL`, so
 * a hearthd that is killed takes its restic with it instead of leaving it writing.
 */

/** Opening a repository, listing, init: quick, but a remote one may be slow to answer. */
const QUICK_TIMEOUT_MS = 5 * 60_000;
/** A backup, restore, check or prune of a large volume. */
const LONG_TIMEOUT_MS = 24 * 60 * 60_000;
/** restic's stderr kept for the error message (its Fatal: line comes last). */
const MAX_STDERR_BYTES = 64 * 1024;
/** The largest stdout a listing may print (MAX_SNAPSHOTS snapshots of a few hundred bytes). */
const MAX_STDOUT_BYTES = 64 * 1024 * 1024;
/** Status lines per second while backing up. */
const PROGRESS_FPS = 2;

export interface ResticOptions {
  /** restic's cache of repository metadata (index, trees): root-only, under the data dir. */
  cacheDir: string;
  /** @default 'restic' */
  binary?: string;
}

type Run = { what: string; cwd?: string; timeoutMs: number; signal?: AbortSignal | undefined; onStdoutLine?: (line: string) => void };

export class ResticEngine implements BackupEngine {
  readonly name = 'restic';
  constructor(private readonly options: ResticOptions) {}

  private spawn(repo: RepositoryRef, args: string[], run: Run): ResultPromise {
    const argv = ['--pdeathsig', 'KILL', '--', this.options.binary ?? 'restic', '--repo', repo.repository, '--password-file', repo.passwordFile, '--cache-dir', this.options.cacheDir, ...args];
    return execa('setpriv', argv, {
      cwd: run.cwd,
      extendEnv: false,
      env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env['HOME'] ?? '/root', RESTIC_PROGRESS_FPS: String(PROGRESS_FPS), LANG: 'C' },
      timeout: run.timeoutMs,
      ...(run.signal !== undefined && { cancelSignal: run.signal }),
      stdin: 'ignore',
      buffer: { stdout: run.onStdoutLine === undefined, stderr: false },
      maxBuffer: MAX_STDOUT_BYTES,
      reject: false,
      stripFinalNewline: false,
    });
  }

  /** Run restic; stdout collected (or fed line by line), stderr's tail kept; a failure becomes hearth's error. */
  private async run(repo: RepositoryRef, args: string[], run: Run): Promise<string> {
    const child = this.spawn(repo, args, run);
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_STDERR_BYTES);
    });
    const onLine = run.onStdoutLine;
    if (onLine !== undefined) {
      let pending = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        pending += chunk;
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          onLine(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
        }
        // A line without end is not restic's JSON: drop it rather than grow without bound.
        if (pending.length > MAX_JSON_LINE_CHARS) pending = '';
      });
    }
    const result = await child;
    if (result.isCanceled) throw new HearthError('BACKUP_FAILED', `${run.what}: cancelled`, { details: { repository: repo.repository } });
    if (result.timedOut) throw new HearthError('TIMEOUT', `${run.what}: restic did not finish within ${run.timeoutMs / 1000} s`, { details: { repository: repo.repository } });
    if (result.exitCode !== 0) throw resticError(run.what, repo.repository, result.exitCode, `${stderr}\n${result.failed && result.exitCode === undefined ? result.message : ''}`);
    return typeof result.stdout === 'string' ? result.stdout : '';
  }

  async init(repo: RepositoryRef, signal?: AbortSignal): Promise<void> {
    await this.run(repo, ['init', '--json'], { what: 'creating the repository', timeoutMs: QUICK_TIMEOUT_MS, signal });
  }

  async open(repo: RepositoryRef, signal?: AbortSignal): Promise<void> {
    await this.run(repo, ['cat', 'config', '--no-lock'], { what: 'opening the repository', timeoutMs: QUICK_TIMEOUT_MS, signal });
  }

  async backup(repo: RepositoryRef, source: { cwd: string; paths: string[]; tags: string[] }, onProgress: (p: BackupProgress) => void, signal?: AbortSignal): Promise<BackupResult> {
    let summary = null as BackupResult | null;
    const args = ['backup', '--json', '--one-file-system', ...source.tags.flatMap((t) => ['--tag', t]), '--', ...source.paths];
    await this.run(repo, args, {
      what: 'backing up',
      cwd: source.cwd,
      timeoutMs: LONG_TIMEOUT_MS,
      signal,
      onStdoutLine: (line) => {
        const parsed = parseBackupLine(line);
        if (parsed === null) return;
        if ('progress' in parsed) onProgress(parsed.progress);
        else summary = parsed.summary;
      },
    });
    const made: BackupResult | null = summary;
    if (made === null) throw new HearthError('BACKUP_FAILED', 'backing up: restic ended without naming the snapshot it made', { details: { repository: repo.repository } });
    // restic 0.14's summary names the snapshot by its short id: the full one is what lists and restores use.
    const out = await this.run(repo, ['snapshots', '--json', '--no-lock', made.snapshotId], { what: 'reading the new snapshot', timeoutMs: QUICK_TIMEOUT_MS, signal });
    const full = parseSnapshots(out).find((s) => s.id.startsWith(made.snapshotId));
    if (full === undefined) throw new HearthError('BACKUP_FAILED', `backing up: restic made snapshot ${made.snapshotId}, which it does not list`, { details: { repository: repo.repository } });
    return { ...made, snapshotId: full.id };
  }

  async snapshots(repo: RepositoryRef, tags: string[], signal?: AbortSignal): Promise<SnapshotInfo[]> {
    const filter = tags.length === 0 ? [] : ['--tag', tags.join(',')];
    const out = await this.run(repo, ['snapshots', '--json', '--no-lock', ...filter], { what: 'listing snapshots', timeoutMs: QUICK_TIMEOUT_MS, signal });
    return parseSnapshots(out);
  }

  async restore(repo: RepositoryRef, snapshotId: string, targetDir: string, signal?: AbortSignal): Promise<void> {
    // --verify reads back every restored file against the repository's hashes.
    await this.run(repo, ['restore', snapshotId, '--target', targetDir, '--verify'], { what: `restoring snapshot ${snapshotId.slice(0, 8)}`, timeoutMs: LONG_TIMEOUT_MS, signal });
  }

  async check(repo: RepositoryRef, readData: boolean, signal?: AbortSignal): Promise<void> {
    await this.unlockStale(repo, signal);
    await this.run(repo, ['check', ...(readData ? ['--read-data'] : [])], { what: 'checking the repository', timeoutMs: LONG_TIMEOUT_MS, signal });
  }

  async forget(repo: RepositoryRef, tags: string[], keep: Retention, signal?: AbortSignal): Promise<void> {
    const flags = Object.entries(keep).flatMap(([k, n]) => (n === undefined ? [] : [`--keep-${k}`, String(n)]));
    if (flags.length === 0) throw new HearthError('INVALID_PARAMS', 'forget: a retention keeps at least something', { hint: 'say how many to keep: --keep-last 7' });
    await this.unlockStale(repo, signal);
    await this.run(repo, ['forget', '--prune', '--group-by', 'host', '--tag', tags.join(','), ...flags], { what: 'pruning snapshots', timeoutMs: LONG_TIMEOUT_MS, signal });
  }

  /** A hearthd killed mid-run leaves restic's lock; `unlock` removes only locks whose process is gone. */
  private async unlockStale(repo: RepositoryRef, signal?: AbortSignal): Promise<void> {
    await this.run(repo, ['unlock'], { what: 'removing stale locks', timeoutMs: QUICK_TIMEOUT_MS, signal });
  }
}
