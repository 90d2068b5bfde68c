import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { RotatingLog } from './rotating-log.js';
import { readLogs } from './read-logs.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (i: number, daemon = 'web') => JSON.stringify({ time: 1000 + i, daemon, stream: 'stdout', line: `line ${i} ${'x'.repeat(80)}` });

test('a log rotates by size and keeps a bounded number of files, the newest entry last', async () => {
  const path = join(dir, 'daemons.log');
  const log = new RotatingLog(path, 1024, 2);
  for (let i = 0; i < 200; i += 1) log.append(entry(i));
  log.close();
  expect(statSync(path).size).toBeLessThan(1024);
  expect(existsSync(`${path}.1`)).toBe(true);
  expect(existsSync(`${path}.2`)).toBe(true);
  expect(existsSync(`${path}.3`)).toBe(false);
  expect((await readLogs(path, { limit: 1 }))[0]?.line).toMatch(/^line 199 /);
  expect(readFileSync(`${path}.2`, 'utf8')).not.toContain('line 199 ');
});

test('reading returns the newest entries across rotated files in order, filtered by daemon and time', async () => {
  const path = join(dir, 'daemons.log');
  const log = new RotatingLog(path, 2048);
  for (let i = 0; i < 60; i += 1) log.append(entry(i, i % 2 === 0 ? 'web' : 'db'));
  log.close();
  const last = await readLogs(path, { limit: 5 });
  expect(last.map((e) => e.time)).toEqual([1055, 1056, 1057, 1058, 1059]);
  const db = await readLogs(path, { daemon: 'db', since: 1050, limit: 100 });
  expect(db.map((e) => e.time)).toEqual([1051, 1053, 1055, 1057, 1059]);
});

test('a log reopened after a restart appends to what was there', async () => {
  const path = join(dir, 'daemons.log');
  const first = new RotatingLog(path);
  first.append(entry(1));
  first.close();
  const second = new RotatingLog(path);
  second.append(entry(2));
  second.close();
  expect((await readLogs(path, { limit: 10 })).map((e) => e.time)).toEqual([1001, 1002]);
});
