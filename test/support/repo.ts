import { fileURLToPath } from 'node:url';

/** Absolute paths of the programs the tests drive, as a user would run them. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const HEARTHD = `${REPO}/host/dist/hearthd.js`;
export const HEARTH_CLI = `${REPO}/host/dist/cli/main.js`;
export const HEARTH_PACK = `${REPO}/sdk/dist/pack/cli.js`;
export const EXAMPLES = `${REPO}/packages-examples`;

export const isRoot = process.getuid?.() === 0;
