import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { REPO } from './repo.js';

/**
 * Once per test run: bundle the CLI from what tsc compiled, so tests never drive a bundle older than
 * the code (a `tsc -b` alone does not refresh it); and make the folder of this run's packs with the
 * publisher key they share (support/pack-cache.ts), removed when the run ends. Runs without a build
 * skip both.
 */
export default function setup(project: TestProject): (() => void) | undefined {
  if (!existsSync(join(REPO, 'host/dist/cli/main.js'))) return undefined;
  execFileSync('node', [join(REPO, 'scripts/build-cli.mjs')], { stdio: 'inherit' });
  const packs = mkdtempSync(join(tmpdir(), 'hearth-test-packs-'));
  execFileSync('node', [join(REPO, 'sdk/dist/pack/cli.js'), 'keygen', '--out', join(packs, 'publisher.pem')], { stdio: 'ignore' });
  project.provide('testPacks', packs);
  return () => rmSync(packs, { recursive: true, force: true });
}
