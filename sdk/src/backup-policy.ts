/**
 * How a package is backed up (`backup` in the manifest). Cold: hearthd stops the service, reads its
 * volumes, starts it again. Hot: the service keeps running; its `beforeBackup` hook makes the data
 * consistent on disk first (a database dump into a staging volume), `afterBackup` cleans up, and
 * `afterRestore` loads what was staged. Volumes in `exclude` (the database's live files, which a
 * copy taken while it writes would tear) are not read, and a restore gives them back empty.
 */
export interface BackupDeclaration {
  /** @default 'cold' */
  mode?: 'cold' | 'hot';
  /**
   * Volumes a backup does not read; restored empty. Only with `hot`, where the hooks stage their data elsewhere.
   * @default []
   * @example ['db']
   */
  exclude?: readonly string[];
}

export interface BackupPolicy {
  mode: 'cold' | 'hot';
  exclude: string[];
}

export const DEFAULT_BACKUP_POLICY: BackupPolicy = { mode: 'cold', exclude: [] };

/** Check `backup` of a manifest against its volumes; `fail` throws MANIFEST_INVALID naming the field. */
export function validateBackup(input: unknown, volumes: readonly string[], fail: (path: string, value: unknown, allowed: string) => never): BackupPolicy {
  if (input === undefined) return { ...DEFAULT_BACKUP_POLICY, exclude: [] };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('backup', input, "expected { mode?: 'cold' | 'hot', exclude?: volume ids }");
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== 'mode' && key !== 'exclude') fail(`backup.${key}`, record[key], 'unknown field; backup has mode and exclude');
  const mode = record['mode'] ?? 'cold';
  if (mode !== 'cold' && mode !== 'hot') fail('backup.mode', mode, "expected 'cold' or 'hot'");
  const excludeIn = record['exclude'] ?? [];
  if (!Array.isArray(excludeIn)) fail('backup.exclude', excludeIn, 'expected an array of volume ids');
  const exclude = excludeIn.map((v: unknown, i) => {
    if (typeof v !== 'string' || !volumes.includes(v)) fail(`backup.exclude[${i}]`, v, `expected a declared volume: ${volumes.join(', ') || 'none declared'}`);
    return v;
  });
  if (exclude.length > 0 && mode !== 'hot') fail('backup.exclude', excludeIn, "only a hot backup excludes volumes (its beforeBackup hook stages their data); a cold one reads them all");
  return { mode, exclude: [...new Set(exclude)] };
}

/** The policy of an installed manifest; one packed before `backup` existed is cold. */
export function backupPolicyOf(manifest: { backup?: BackupPolicy }): BackupPolicy {
  return manifest.backup ?? DEFAULT_BACKUP_POLICY;
}
