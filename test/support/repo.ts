import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root: the nearest folder up whose package.json is the hearth workspace (tests and compiled benches alike). */
function findRepo(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'hearth') return dir;
  }
  throw new Error(`no hearth checkout above ${from}`);
}

/** Absolute paths of the programs the tests drive, as a user would run them. */
export const REPO = findRepo(dirname(fileURLToPath(import.meta.url)));
export const HEARTHD = `${REPO}/host/dist/hearthd.js`;
/** The CLI as installed: bundled by scripts/build-cli.mjs (vitest's global setup bundles it again first). */
export const HEARTH_CLI = `${REPO}/host/dist/cli/bundle/hearth.js`;
export const HEARTH_PACK = `${REPO}/sdk/dist/pack/cli.js`;
export const EXAMPLES = `${REPO}/packages-examples`;
export const FIXTURES = `${REPO}/test/fixtures`;

export const isRoot = process.getuid?.() === 0;
