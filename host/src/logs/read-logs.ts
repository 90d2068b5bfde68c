import type { LogEntry } from '@hearth/sdk/contract';
import { MAX_JSON_DEPTH, jsonDepthExceeds } from '@hearth/sdk/rpc';
import { rotatedFiles } from './rotating-log.js';
import { isMarker } from './start-marker.js';
import { linesFromEnd } from './lines-from-end.js';
import { parseLogEntry } from '../service/runtime-input.js';

/** Most entries `service.logs` returns at once (`limit` is refused above it). */
export const MAX_LOG_LIMIT = 10_000;
/** And at most this much log text, whatever `limit` says: the newest entries that fit. */
export const MAX_LOGS_RESULT_BYTES = 16 * 1024 * 1024;
/** A stored line longer than this is skipped (hearthd writes entries with lines cut to 16 KiB). */
export const MAX_STORED_ENTRY_BYTES = 1024 * 1024;

export interface LogQuery {
  daemon?: string;
  /** ms since epoch; entries before it are left out. */
  since?: number;
  /** The last `limit` matching entries. */
  limit: number;
}

/** Start markers pass a daemon filter: they tell the runs of every daemon apart. */
export function matches(entry: LogEntry, query: Omit<LogQuery, 'limit'>): boolean {
  return (query.daemon === undefined || entry.daemon === query.daemon || isMarker(entry)) && (query.since === undefined || entry.time >= query.since);
}

/** A stored line as an entry, or null: cut by a crash mid-write, or written by an older hearth that did not check entries. */
function parseStored(line: Buffer): LogEntry | null {
  if (jsonDepthExceeds(line, MAX_JSON_DEPTH)) return null;
  try {
    return parseLogEntry(JSON.parse(line.toString('utf8')));
  } catch {
    return null;
  }
}

/**
 * The last `limit` matching entries of a service's persisted log, oldest first. Reads the files
 * newest first, each from its end, and stops once it has them: memory depends on the answer, not
 * on the size of the logs.
 */
export async function readLogs(path: string, query: LogQuery): Promise<LogEntry[]> {
  const newestFirst: LogEntry[] = [];
  let bytes = 0;
  if (query.limit <= 0) return newestFirst;
  const daemonField = query.daemon === undefined ? null : Buffer.from(JSON.stringify(query.daemon));
  for (const file of rotatedFiles(path).reverse()) {
    for await (const line of linesFromEnd(file, MAX_STORED_ENTRY_BYTES)) {
      if (daemonField !== null && !line.includes(daemonField)) continue; // cheap: most lines of a busy log are another daemon's
      const entry = parseStored(line);
      if (entry === null || !matches(entry, query)) continue;
      bytes += line.length;
      if (bytes > MAX_LOGS_RESULT_BYTES) return newestFirst.reverse();
      newestFirst.push(entry);
      if (newestFirst.length >= query.limit) return newestFirst.reverse();
    }
  }
  return newestFirst.reverse();
}
