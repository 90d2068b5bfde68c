import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HearthError } from '../errors.js';
import { verifyArchive } from './reader.js';
import { writeValid } from './test-archives.js';

const CASES = 3000;
const SEED = 0x5eed_1234;
const CASE_TIMEOUT_MS = 5_000;

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string;
let original: Buffer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-fuzz-'));
  original = await readFile(await writeValid(dir, 'base.hpk', undefined, Buffer.alloc(6000, 3)));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test(`the reader never crashes, never hangs and never accepts a modified archive (${CASES} seeded cases)`, async () => {
  const random = prng(SEED);
  const int = (n: number): number => Math.floor(random() * n);
  const path = join(dir, 'case.hpk');
  const outcomes = new Map<string, number>();
  for (let i = 0; i < CASES; i += 1) {
    let bytes: Buffer;
    let what: string;
    if (random() < 0.7) {
      bytes = Buffer.from(original);
      const flips = 1 + int(3);
      for (let f = 0; f < flips; f += 1) {
        const at = int(bytes.length);
        bytes[at] = (bytes[at] ?? 0) ^ (1 + int(255)); // never xor 0: always a real change
      }
      what = `case ${i}: ${flips} flipped byte(s)`;
    } else {
      bytes = original.subarray(0, int(original.length));
      what = `case ${i}: truncated to ${bytes.length} bytes`;
    }
    await writeFile(path, bytes);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      verifyArchive(path).then(
        () => 'accepted',
        (error: unknown) => (error instanceof HearthError ? error.code : `crashed: ${String(error)}`),
      ),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('hung'), CASE_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    expect(outcome, what).not.toMatch(/^(accepted|hung|crashed)/);
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  // Every case was refused with one of the reader's own codes.
  expect([...outcomes.keys()].every((code) => code.startsWith('ARCHIVE_') || code === 'MANIFEST_INVALID')).toBe(true);
});
