import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './repo.js';

/**
 * Once per test run: bundle the CLI from what tsc compiled, so tests never drive a bundle older than
 * the code (a `tsc -b` alone does not refresh it). Unit-test-only runs without a build skip it.
 */
export default function setup(): void {
  if (!existsSync(join(REPO, 'host/dist/cli/main.js'))) return;
  execFileSync('node', [join(REPO, 'scripts/build-cli.mjs')], { stdio: 'inherit' });
}
