import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { InstallPhase } from '@hearth/sdk/contract';
import { layoutOf } from '../layout.js';
import { stagePackage } from './install.js';
import { parseByteSize } from '../config.js';

describe('package.install refuses a file before copying it', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-pkgfile-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const stage = async (file: string, maxBytes?: number): Promise<{ code: unknown; message: string; phases: InstallPhase[]; tmp: string[] }> => {
    const layout = layoutOf(join(dir, 'data'));
    const phases: InstallPhase[] = [];
    const error = (await stagePackage(layout, file, (phase) => phases.push(phase), maxBytes).then(
      () => new Error('staged'),
      (e: unknown) => e,
    )) as { code?: unknown; message: string };
    let tmp: string[] = [];
    try {
      tmp = readdirSync(layout.tmpDir);
    } catch {
      tmp = [];
    }
    return { code: error.code, message: error.message, phases, tmp };
  };

  test('a large file that is not an archive is refused from its first bytes, nothing copied', async () => {
    const file = join(dir, 'video.mkv');
    writeFileSync(file, 'not a tar at all');
    truncateSync(file, 1024 ** 3); // sparse 1 GiB: copying it would take seconds and a GiB of tmp/
    const result = await stage(file);
    expect(result).toMatchObject({ code: 'ARCHIVE_NOT_HPK', phases: [], tmp: [] });
    expect(result.message).toContain('does not start with a ustar tar header');
  });

  test('a file over the size cap is refused by its size, nothing copied', async () => {
    const file = join(dir, 'big.hpk');
    writeFileSync(file, '');
    truncateSync(file, 10_000);
    expect(await stage(file, 4096)).toMatchObject({ code: 'ARCHIVE_OVERSIZE', phases: [], tmp: [] });
  });

  test('a directory or a missing path is not an archive', async () => {
    expect((await stage(dir)).code).toBe('ARCHIVE_NOT_HPK');
    expect((await stage(join(dir, 'missing.hpk'))).code).toBe('ARCHIVE_NOT_HPK');
  });
});

test('--max-package-bytes sizes: plain bytes or K/M/G/T in powers of 1024', () => {
  expect(parseByteSize('4096')).toBe(4096);
  expect(parseByteSize('512M')).toBe(512 * 1024 ** 2);
  expect(parseByteSize('16GiB')).toBe(16 * 1024 ** 3);
  expect(parseByteSize('0')).toBeNull();
  expect(parseByteSize('-1')).toBeNull();
  expect(parseByteSize('lots')).toBeNull();
});
