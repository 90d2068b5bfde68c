import { HearthError } from '@hearth/sdk/contract';
import type { BackupProgress, BackupResult, SnapshotInfo } from './engine.js';

/**
 * Reading what restic prints, bounded: its `--json` lines (status, summary, snapshot lists) and
 * its stderr, turned into hearth's error codes. Pure, so the mapping is unit-tested.
 */

/** A JSON line longer than this is not one restic prints for us. */
export const MAX_JSON_LINE_CHARS = 1024 * 1024;
/** More snapshots than a repository of hearth's holds in years of hourly backups of many services. */
export const MAX_SNAPSHOTS = 100_000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/** One line of `restic backup --json`: progress, the summary, or nothing we use. */
export function parseBackupLine(line: string): { progress: BackupProgress } | { summary: BackupResult } | null {
  if (line.length > MAX_JSON_LINE_CHARS || !line.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null; // restic prints plain text too (warnings); they reach stderr's tail for errors
  }
  if (!isRecord(value)) return null;
  if (value['message_type'] === 'status') {
    return { progress: { bytesDone: count(value['bytes_done']), totalBytes: count(value['total_bytes']), filesDone: count(value['files_done']), totalFiles: count(value['total_files']) } };
  }
  if (value['message_type'] === 'summary' && typeof value['snapshot_id'] === 'string' && /^[0-9a-f]{8,64}$/.test(value['snapshot_id'])) {
    return {
      summary: {
        snapshotId: value['snapshot_id'],
        bytesProcessed: count(value['total_bytes_processed']),
        bytesAdded: count(value['data_added']),
        files: count(value['total_files_processed']),
      },
    };
  }
  return null;
}

/** `restic snapshots --json`: an array of snapshots; anything else is refused. */
export function parseSnapshots(text: string): SnapshotInfo[] {
  let value: unknown;
  try {
    value = JSON.parse(text.trim() === '' ? '[]' : text);
  } catch (error) {
    throw new HearthError('BACKUP_REPOSITORY_DAMAGED', 'restic listed the snapshots in a form hearth cannot read', { cause: error });
  }
  if (!Array.isArray(value) || value.length > MAX_SNAPSHOTS) throw new HearthError('BACKUP_REPOSITORY_DAMAGED', 'restic listed the snapshots in a form hearth cannot read');
  const snapshots: SnapshotInfo[] = [];
  for (const item of value) {
    if (!isRecord(item) || typeof item['id'] !== 'string' || !/^[0-9a-f]{64}$/.test(item['id']) || typeof item['time'] !== 'string') continue;
    const tags = Array.isArray(item['tags']) ? item['tags'].filter((t): t is string => typeof t === 'string' && t.length <= 256) : [];
    snapshots.push({ id: item['id'], shortId: item['id'].slice(0, 8), time: new Date(item['time']).toISOString(), tags });
  }
  return snapshots.sort((a, b) => a.time.localeCompare(b.time));
}

/** restic's last words on stderr (its `Fatal:` line first), short enough for a message. */
function reason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const fatal = lines.find((l) => l.startsWith('Fatal:'));
  return (fatal ?? lines.at(-1) ?? 'no message').slice(0, 500);
}

/**
 * A failed restic run as hearth's error: a wrong password and a damaged or missing repository have
 * codes of their own, so scripts (and tests) tell them from other failures without reading text.
 */
export function resticError(what: string, repository: string, exitCode: number | undefined, stderr: string): HearthError {
  const why = reason(stderr);
  const details = { repository, exitCode, reason: why };
  if (/wrong password|no key found/i.test(stderr)) {
    return new HearthError('BACKUP_PASSWORD_WRONG', `${what}: the repository at ${repository} refused the password`, {
      hint: 'the target’s password file does not match this repository: add the target again with its password (`hearth backup target add <name> <repo> --password-stdin`)',
      details,
    });
  }
  if (/unable to open config file|is there a repository|repository contains errors|ciphertext verification failed|pack .* (does not match|not found)|invalid data returned|unexpected end of|load .*index|decrypting blob|Pack ID does not match|unable to open repository/i.test(stderr)) {
    return new HearthError('BACKUP_REPOSITORY_DAMAGED', `${what}: the repository at ${repository} is missing or damaged (${why})`, {
      hint: '`hearth backup verify --target <name>` checks it; restore from another target, or add a new one',
      details,
    });
  }
  return new HearthError('BACKUP_FAILED', `${what}: restic failed (${why})`, { hint: 'see hearthd’s log for restic’s full message', details });
}
