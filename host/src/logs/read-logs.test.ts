import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MAX_LOGS_RESULT_BYTES, readLogs } from './read-logs.js';

const ENTRIES_PER_FILE = 100_000;
let dir: string;
let path: string;

const entry = (time: number, daemon = 'web', line = `line ${time}`): string => `${JSON.stringify({ daemon, stream: 'stdout', line, time })}\n`;

/** A live log and three rotated ones, about 15 MB each: entries 0.. in the oldest, counting up. */
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-read-logs-'));
  path = join(dir, 'daemons.log');
  const files = [`${path}.3`, `${path}.2`, `${path}.1`, path];
  for (const [n, file] of files.entries()) {
    const out = createWriteStream(file);
    let batch = '';
    for (let i = 0; i < ENTRIES_PER_FILE; i += 1) {
      const time = n * ENTRIES_PER_FILE + i;
      batch += entry(time, time % 10 === 0 ? 'db' : 'web', `line ${time} ${'x'.repeat(40)}`);
      if (batch.length > 1 << 20) {
        if (!out.write(batch)) await once(out, 'drain');
        batch = '';
      }
    }
    out.end(batch);
    await once(out, 'finish');
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the last entries of a large log come from its end, oldest first, quickly', async () => {
  const started = performance.now();
  const last = await readLogs(path, { limit: 3 });
  expect(last.map((e) => e.time)).toEqual([399_997, 399_998, 399_999]);
  // Parsing ~30 MB in full takes seconds; a few chunks from the end, milliseconds.
  expect(performance.now() - started).toBeLessThan(500);
});

test('a query that reaches back into rotated files reads them newest first and stops at the limit', async () => {
  const db = await readLogs(path, { daemon: 'db', limit: 15_000 });
  expect(db).toHaveLength(15_000);
  expect(db[0]?.time).toBe(400_000 - 150_000);
  expect(db.at(-1)?.time).toBe(399_990);
  expect(db.every((e, i) => i === 0 || e.time > (db[i - 1]?.time ?? 0))).toBe(true);
});

test('rotated files older than the answer are never opened', async () => {
  const short = join(dir, 'short.log');
  writeFileSync(short, entry(2) + entry(3));
  writeFileSync(`${short}.1`, entry(1));
  mkdirSync(`${short}.2`); // reading it would fail with EISDIR
  expect((await readLogs(short, { limit: 3 })).map((e) => e.time)).toEqual([1, 2, 3]);
});

test('since filters out older entries, and a query matching nothing reads to the start and returns none', async () => {
  expect((await readLogs(path, { since: 399_995, limit: 100 })).map((e) => e.time)).toEqual([399_995, 399_996, 399_997, 399_998, 399_999]);
  expect(await readLogs(path, { daemon: 'nobody', limit: 10 })).toEqual([]);
});

test('the answer is bounded in bytes whatever the limit', async () => {
  const big = join(dir, 'big.log');
  const line = 'y'.repeat(16 * 1024);
  writeFileSync(big, Array.from({ length: 2000 }, (_, i) => entry(i, 'web', line)).join(''));
  const read = await readLogs(big, { limit: 10_000 });
  expect(read.length).toBeLessThan(2000);
  expect(read.length * line.length).toBeLessThanOrEqual(MAX_LOGS_RESULT_BYTES);
  expect(read.at(-1)?.time).toBe(1999);
});

test('stored lines that are not entries (cut by a crash, nested deep, wrong shape) are skipped', async () => {
  const odd = join(dir, 'odd.log');
  writeFileSync(odd, `${entry(1)}${'['.repeat(100_000)}${']'.repeat(100_000)}\n{"daemon":{"a":1}}\n${entry(2)}{"daemon":"web","str`);
  expect((await readLogs(odd, { limit: 10 })).map((e) => e.time)).toEqual([1, 2]);
});
