#!/usr/bin/env node
// Builds the shared, read-only base rootfs every hearth container boots from:
// the host's node binary + the libraries it links, busybox-static with applet links,
// init.lxc as PID 1, and the bundled container-runtime with its V8 code cache (and, with --snapshot,
// a V8 startup snapshot), packed as squashfs.
// The output is keyed by the digest of every input, so an unchanged base is not rebuilt.
// Usage: node scripts/build-base.mjs [--out-dir build/base] [--force] [--runtime <entry.js>] [--snapshot]
// (--snapshot: the runtime also gets a V8 startup snapshot and starts from it. Not the default: in the same run
// it started the runtime at most 4% faster than the code cache and held 4 MiB more; bench/runtime-start.ts.)
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, copyFileSync, symlinkSync, rmSync, existsSync, realpathSync, renameSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { build } from 'esbuild';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { 'out-dir': { type: 'string', default: join(repo, 'build/base') }, force: { type: 'boolean', default: false }, runtime: { type: 'string' }, snapshot: { type: 'boolean', default: false } },
  strict: true,
});
const outDir = resolve(args['out-dir']);
const started = Date.now();
const step = (msg) => process.stderr.write(`[base ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);

function need(path, pkg) {
  if (!existsSync(path)) {
    process.stderr.write(`build-base: ${path} is missing; install ${pkg} (bash scripts/setup.sh does)\n`);
    process.exit(1);
  }
  return realpathSync(path);
}

const nodeBin = realpathSync(process.execPath);
const busybox = need('/bin/busybox', 'busybox-static');
const initLxc = need('/usr/sbin/init.lxc.static', 'lxc');
need('/usr/bin/mksquashfs', 'squashfs-tools');
// The entry that evaluates the runtime without starting it: the loader starts it (runtime-loader.cjs).
const runtimeEntry = resolve(args.runtime ?? join(repo, 'container-runtime/dist/snapshot-entry.js'));
if (!existsSync(runtimeEntry)) {
  process.stderr.write(`build-base: ${runtimeEntry} is missing; run \`npx tsc -b\` first\n`);
  process.exit(1);
}

// The libraries node links against, at the paths the dynamic loader will look for them.
const libs = execFileSync('ldd', [nodeBin], { encoding: 'utf8' })
  .split('\n')
  .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
  .filter((p) => p !== undefined);

step('bundling container-runtime');
const bundle = await build({
  entryPoints: [runtimeEntry],
  bundle: true,
  platform: 'node',
  // CommonJS, so scripts/runtime-loader.cjs can start it with a V8 code cache (vm.Script).
  format: 'cjs',
  target: 'node20',
  write: false,
  logLevel: 'warning',
});
const runtimeJs = bundle.outputFiles[0].contents;
const RUNTIME_BUNDLE = '/usr/lib/hearth/runtime.cjs';
const RUNTIME_CACHE = '/usr/lib/hearth/runtime.cache';
const RUNTIME_SNAPSHOT = '/usr/lib/hearth/runtime.blob';
const SNAPSHOT_SKIPPED = '/usr/lib/hearth/runtime.snapshot-skipped';
const SNAPSHOT_BUILDER = join(repo, 'scripts/runtime-snapshot.cjs');
// The runtime's V8 heap, in MiB: package code runs in it (at load, checks, actions), so code that
// allocates without end dies with V8's "heap out of memory" on the console (runtime.log) instead of
// growing the runtime until the service's memory limit, or the host's, stops it. The runtime
// itself needs about 10 MiB.
const RUNTIME_HEAP_MIB = 256;
const RUNTIME_NODE_FLAGS = [`--max-old-space-size=${RUNTIME_HEAP_MIB}`];

const files = [
  { to: '/usr/bin/node', from: nodeBin, mode: 0o755 },
  ...libs.map((lib) => ({ to: lib, from: realpathSync(lib), mode: 0o755 })),
  { to: '/bin/busybox', from: busybox, mode: 0o755 },
  { to: '/sbin/init.lxc', from: initLxc, mode: 0o755 },
  // coreutils chroot (libc only): busybox's cannot switch to a daemon's user.
  { to: '/usr/lib/hearth/chroot', from: need('/usr/sbin/chroot', 'coreutils'), mode: 0o755 },
];
const texts = [
  { to: RUNTIME_BUNDLE, data: Buffer.from(runtimeJs) },
  { to: '/usr/lib/hearth/runtime-loader.cjs', data: readFileSync(join(repo, 'scripts/runtime-loader.cjs')) },
  // init.lxc's children inherit /dev/null; the console is what LXC logs to a file on the host.
  {
    to: '/usr/lib/hearth/start-runtime',
    data: Buffer.from(
      [
        '#!/bin/sh',
        'export PATH=/usr/sbin:/usr/bin:/sbin:/bin',
        // From the startup snapshot when the base has one; the loader says why when it has not.
        `snapshot=; [ -f ${RUNTIME_SNAPSHOT} ] && snapshot=--snapshot-blob=${RUNTIME_SNAPSHOT}`,
        `exec /usr/bin/node ${RUNTIME_NODE_FLAGS.join(' ')} $snapshot /usr/lib/hearth/runtime-loader.cjs "$@" </dev/null >/dev/console 2>&1`,
        '',
      ].join('\n'),
    ),
    mode: 0o755,
  },
  { to: '/etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n') },
  { to: '/etc/group', data: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
  { to: '/etc/hosts', data: Buffer.from('127.0.0.1 localhost\n::1 localhost\n') },
];

// The recipe is this script: any change to it is a new base.
const hash = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url)));
for (const f of files) hash.update(`${f.to}\n`).update(readFileSync(f.from));
for (const t of texts) hash.update(`${t.to}\n`).update(t.data);
hash.update(readFileSync(SNAPSHOT_BUILDER)).update(args.snapshot ? 'snapshot' : 'no-snapshot');
const key = hash.digest('hex').slice(0, 16);
const image = join(outDir, `base-${key}.squashfs`);
const pointer = join(outDir, 'current.json');

if (existsSync(image) && !args.force) {
  writeFileSync(pointer, JSON.stringify({ key, path: image }, null, 2) + '\n');
  step(`up to date: ${image}`);
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });
const root = mkdtempSync(join(tmpdir(), 'hearth-base-'));
try {
  step(`assembling rootfs (node ${process.version}, ${libs.length} libraries)`);
  for (const dir of ['proc', 'sys', 'dev', 'run', 'tmp', 'root', 'media/hearth', 'usr/lib/hearth', 'bin', 'sbin', 'etc']) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  chmodSync(join(root, 'tmp'), 0o1777);
  for (const f of files) {
    mkdirSync(dirname(join(root, f.to)), { recursive: true });
    copyFileSync(f.from, join(root, f.to));
    chmodSync(join(root, f.to), f.mode);
  }
  for (const t of texts) {
    mkdirSync(dirname(join(root, t.to)), { recursive: true });
    writeFileSync(join(root, t.to), t.data, { mode: t.mode ?? 0o644 });
  }
  // V8's code cache for the bundle, made by this node, which is the one the base carries, with the
  // runtime's flags (V8 rejects a cache made under other flags). Derived from hashed inputs, so not
  // part of the key. Compiled only, never run.
  const makeCache = [
    "const { readFileSync, writeFileSync } = require('node:fs');",
    "const [bundle, out, filename] = process.argv.slice(1);",
    "const script = new (require('node:vm').Script)(require('node:module').wrap(readFileSync(bundle, 'utf8')), { filename });",
    "writeFileSync(out, script.createCachedData(), { mode: 0o644 });",
  ].join('\n');
  execFileSync(nodeBin, [...RUNTIME_NODE_FLAGS, '-e', makeCache, join(root, RUNTIME_BUNDLE), join(root, RUNTIME_CACHE), RUNTIME_BUNDLE], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (args.snapshot) buildSnapshot(root);
  else writeFileSync(join(root, SNAPSHOT_SKIPPED), 'the base was built without --snapshot\n', { mode: 0o644 });  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    const link = join(root, applet);
    if (existsSync(link)) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync('/bin/busybox', link);
  }
  step(`packing squashfs (${applets.length} busybox applets)`);
  const tmpImage = `${image}.tmp-${process.pid}`;
  execFileSync('mksquashfs', [root, tmpImage, '-noappend', '-all-root', '-comp', 'zstd', '-Xcompression-level', '3', '-quiet', '-no-progress'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  renameSync(tmpImage, image); // atomic: a reader never sees a half-written base
  writeFileSync(pointer, JSON.stringify({ key, path: image }, null, 2) + '\n');
  step(`built ${image}`);
  // Earlier builds are 40 MB each. Removing one that a running hearthd mounted is safe: its loop
  // device keeps the file open, and the next hearthd mounts the current base.
  for (const old of readdirSync(outDir).filter((f) => /^base-[0-9a-f]+\.squashfs$/.test(f) && join(outDir, f) !== image)) {
    rmSync(join(outDir, old), { force: true });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

/**
 * The runtime's V8 startup snapshot (Node's `--build-snapshot`), made by the node the base carries
 * under the runtime's flags, then checked by starting that node from it. When either fails, the
 * base has no snapshot and says why in SNAPSHOT_SKIPPED: the loader logs it and uses the code cache.
 */
function buildSnapshot(root) {
  const blob = join(root, RUNTIME_SNAPSHOT);
  const check = "if (typeof globalThis[Symbol.for('hearth.runtimeMain')] !== 'function') process.exit(3)";
  try {
    // stdout not a terminal: modules that look at it while they load (colours) see what the runtime will.
    execFileSync(nodeBin, [...RUNTIME_NODE_FLAGS, '--snapshot-blob', blob, '--build-snapshot', SNAPSHOT_BUILDER, join(root, RUNTIME_BUNDLE)], { stdio: ['ignore', 'pipe', 'pipe'] });
    execFileSync(nodeBin, [...RUNTIME_NODE_FLAGS, '--snapshot-blob', blob, '-e', check], { stdio: ['ignore', 'pipe', 'pipe'] });
    chmodSync(blob, 0o644);
  } catch (error) {
    const reason = `${String(error.stderr ?? error.message).split('\n').filter((l) => l && !l.includes('Warning: It')).slice(-3).join(' ')} (exit ${error.status ?? '?'})`;
    rmSync(blob, { force: true });
    writeFileSync(join(root, SNAPSHOT_SKIPPED), `${reason}\n`, { mode: 0o644 });
    step(`no startup snapshot, the runtime starts from the code cache: ${reason}`);
  }
}
