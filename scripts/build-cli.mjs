// Bundles the hearth CLI (compiled by tsc into host/dist/cli) into host/dist/cli/bundle/hearth.js:
// one file to parse at start instead of ~130 modules (a command's start took ~2x the CPU), the kube
// export's heavy modules split into chunks loaded only by that command. Run after `tsc -b`.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'host/dist/cli/bundle');
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { hearth: join(root, 'host/dist/cli/main.js') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies (archiver, yaml's friends) call require(): ESM has none, so lend one.
  banner: { js: "import { createRequire as hearthCreateRequire } from 'node:module'; const require = hearthCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
