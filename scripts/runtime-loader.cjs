'use strict';
// Starts the bundled container-runtime (PID 1's child in every container). From the base's V8
// startup snapshot when start-runtime passed one (`--snapshot-blob`, a base built with --snapshot):
// the runtime's modules are already evaluated in it. Otherwise from the V8 code cache made when the
// base was built (compiling the bundle is about a third of the runtime's start), saying why. A cache V8 rejects
// (another node binary, other flags) is ignored and the bundle compiled as usual.
const { readFileSync } = require('node:fs');
const { wrap } = require('node:module');
const { Script } = require('node:vm');

const BUNDLE = '/usr/lib/hearth/runtime.cjs';
const CACHE = '/usr/lib/hearth/runtime.cache';
/** Written by build-base when it could not build or check the snapshot: why. */
const SNAPSHOT_SKIPPED = '/usr/lib/hearth/runtime.snapshot-skipped';
const RUNTIME_MAIN = Symbol.for('hearth.runtimeMain');

// Code deserialized from a cache or a snapshot made in another process cannot import() (Node loses
// the loader it was compiled with), so the runtime imports the package's ESM code through this
// script's; and modules the snapshot could not hold are required through its require.
globalThis[Symbol.for('hearth.importModule')] = (specifier) => import(specifier);
globalThis[Symbol.for('hearth.require')] = require;

function fromCodeCache() {
  let cachedData;
  try {
    cachedData = readFileSync(CACHE);
  } catch {
    cachedData = undefined; // no cache in this base: compile
  }
  const script = new Script(wrap(readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData });
  const runtime = { exports: {} };
  script.runInThisContext()(runtime.exports, require, runtime, BUNDLE, '/usr/lib/hearth');
}

function snapshotMissing() {
  if (process.execArgv.some((a) => a.startsWith('--snapshot-blob'))) return 'the startup snapshot holds no runtime';
  try {
    return `no startup snapshot in the base: ${readFileSync(SNAPSHOT_SKIPPED, 'utf8').trim()}`;
  } catch {
    return 'no startup snapshot in the base';
  }
}

if (typeof globalThis[RUNTIME_MAIN] !== 'function') {
  const line = { time: new Date().toISOString(), level: 'info', message: 'starting from the code cache', component: 'runtime-loader', reason: snapshotMissing() };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  fromCodeCache();
}
globalThis[RUNTIME_MAIN]();
