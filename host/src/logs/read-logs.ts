import { readFile } from 'node:fs/promises';
import type { LogEntry } from '@hearth/sdk/contract';
import { rotatedFiles } from './rotating-log.js';

export interface LogQuery {
  daemon?: string;
  /** ms since epoch; entries before it are left out. */
  since?: number;
  /** The last `limit` matching entries. */
  limit: number;
}

export function matches(entry: LogEntry, query: Omit<LogQuery, 'limit'>): boolean {
  return (query.daemon === undefined || entry.daemon === query.daemon) && (query.since === undefined || entry.time >= query.since);
}

/** Read a service's persisted log (all rotated files, oldest first) and return the last matching entries. */
export async function readLogs(path: string, query: LogQuery): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for (const file of rotatedFiles(path)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      let entry: LogEntry;
      try {
        entry = JSON.parse(line) as LogEntry;
      } catch {
        continue; // a line cut by a crash mid-write is skipped, not fatal
      }
      if (matches(entry, query)) out.push(entry);
    }
  }
  return out.slice(-query.limit);
}
