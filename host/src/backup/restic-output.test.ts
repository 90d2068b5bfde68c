import { describe, expect, it } from 'vitest';
import { parseBackupLine, parseSnapshots, resticError } from './restic-output.js';

describe('restic output', () => {
  it('a status line is progress and the summary names the snapshot', () => {
    expect(parseBackupLine('{"message_type":"status","percent_done":0.5,"total_files":4,"files_done":2,"total_bytes":100,"bytes_done":50}')).toEqual({ progress: { bytesDone: 50, totalBytes: 100, filesDone: 2, totalFiles: 4 } });
    expect(parseBackupLine('{"message_type":"summary","data_added":10,"total_files_processed":2,"total_bytes_processed":5,"snapshot_id":"4cb3f2f2"}')).toEqual({ summary: { snapshotId: '4cb3f2f2', bytesProcessed: 5, bytesAdded: 10, files: 2 } });
  });

  it('text, broken JSON, a summary without a hex id and an over-long line are ignored', () => {
    expect(parseBackupLine('warning: something')).toBeNull();
    expect(parseBackupLine('{"message_type":')).toBeNull();
    expect(parseBackupLine('{"message_type":"summary","snapshot_id":"../x"}')).toBeNull();
    expect(parseBackupLine(`{"message_type":"status","x":"${'a'.repeat(2 * 1024 * 1024)}"}`)).toBeNull();
  });

  it('snapshots are checked, sorted oldest first, and entries of the wrong shape dropped', () => {
    const id = (c: string): string => c.repeat(64);
    const text = JSON.stringify([
      { id: id('b'), time: '2026-01-02T00:00:00Z', tags: ['hearth', 7] },
      { id: id('a'), time: '2026-01-01T00:00:00Z' },
      { id: 'short', time: '2026-01-01T00:00:00Z' },
    ]);
    expect(parseSnapshots(text).map((s) => [s.shortId, s.tags])).toEqual([
      ['aaaaaaaa', []],
      ['bbbbbbbb', ['hearth']],
    ]);
    expect(() => parseSnapshots('{"not":"a list"}')).toThrow(expect.objectContaining({ code: 'BACKUP_REPOSITORY_DAMAGED' }));
  });

  it("restic's failures become a wrong password, a damaged repository, or a failed backup", () => {
    expect(resticError('x', '/r', 1, 'Fatal: wrong password or no key found\n').code).toBe('BACKUP_PASSWORD_WRONG');
    expect(resticError('x', '/r', 1, 'Fatal: unable to open config file: stat /r/config: no such file or directory\nIs there a repository at the following location?\n/r\n').code).toBe('BACKUP_REPOSITORY_DAMAGED');
    expect(resticError('x', '/r', 1, 'Fatal: repository contains errors\n').code).toBe('BACKUP_REPOSITORY_DAMAGED');
    const other = resticError('backing up', '/r', 3, 'Fatal: unable to save snapshot: disk full\n');
    expect(other.code).toBe('BACKUP_FAILED');
    expect(other.message).toContain('disk full');
  });
});
