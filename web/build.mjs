// Builds the dashboard into web/dist: one hashed JS and one hashed CSS bundle (esbuild), an
// index.html naming them, and the icon. hearthd serves these files and nothing from the internet.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
await rm(dist, { recursive: true, force: true });
await mkdir(join(dist, 'assets'), { recursive: true });

const result = await build({
  entryPoints: [join(root, 'src/main.tsx')],
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: 'assets/[name]-[hash]',
  assetNames: 'assets/[name]-[hash]',
  outdir: dist,
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((n) => n.endsWith('.js'));
const css = outputs.find((n) => n.endsWith('.css'));
if (!js || !css) throw new Error(`web build: expected a .js and a .css output, got ${outputs.join(', ')}`);
const html = (await readFile(join(root, 'src/index.html'), 'utf8')).replace('%JS%', `/assets/${js}`).replace('%CSS%', `/assets/${css}`);
await writeFile(join(dist, 'index.html'), html);
await copyFile(join(root, 'src/favicon.svg'), join(dist, 'favicon.svg'));

let total = 0;
for (const file of [join(dist, 'index.html'), join(dist, 'assets', js), join(dist, 'assets', css), join(dist, 'favicon.svg')]) {
  total += gzipSync(await readFile(file), { level: 9 }).length;
}
process.stderr.write(`web: built web/dist (${(total / 1024).toFixed(1)} KiB gzipped: index.html, ${js}, ${css}, favicon.svg)\n`);
