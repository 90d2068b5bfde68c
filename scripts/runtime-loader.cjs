'use strict';
// Starts the bundled container-runtime (PID 1's child in every container) with the V8 code cache
// made when the base was built: compiling the bundle is about a third of the runtime's start. A
// cache V8 rejects (another node binary, other flags) is ignored and the bundle compiled as usual.
const { readFileSync } = require('node:fs');
const { wrap } = require('node:module');
const { Script } = require('node:vm');

const BUNDLE = '/usr/lib/hearth/runtime.cjs';
const CACHE = '/usr/lib/hearth/runtime.cache';

// Code deserialized from a cache made in another process cannot import() (Node loses the loader
// it was compiled with), so the runtime imports the package's ESM code through this module.
globalThis[Symbol.for('hearth.importModule')] = (specifier) => import(specifier);

let cachedData;
try {
  cachedData = readFileSync(CACHE);
} catch {
  cachedData = undefined; // no cache in this base: compile
}
const script = new Script(wrap(readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData });
const runtime = { exports: {} };
script.runInThisContext()(runtime.exports, require, runtime, BUNDLE, '/usr/lib/hearth');
