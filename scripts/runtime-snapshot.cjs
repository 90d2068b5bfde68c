'use strict';
// The entry of `node --build-snapshot` (scripts/build-base.mjs): evaluates the runtime's bundle, so
// the base's V8 startup snapshot holds every module of the runtime evaluated and nothing started.
// Usage: node --snapshot-blob <out> --build-snapshot runtime-snapshot.cjs <bundle>
const { readFileSync } = require('node:fs');
const { wrap } = require('node:module');
const { Script } = require('node:vm');

// Node 20's snapshot builder cannot load node:http (its module body calls Array#toSorted, which
// the builder's realm lacks). The bundle gets a stand-in that loads it on first use, after the
// snapshot is deserialized, through the require the loader lends (scripts/runtime-loader.cjs).
const DEFERRED = new Set(['node:http', 'http']);
const LOADER_REQUIRE = Symbol.for('hearth.require');

function deferred(name) {
  let mod;
  const load = () => (mod ??= globalThis[LOADER_REQUIRE](name));
  return new Proxy(
    {},
    {
      get: (_, key) => load()[key],
      has: (_, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}

const bundle = process.argv[2];
if (!bundle) throw new Error('usage: runtime-snapshot.cjs <bundle>');
const runtime = { exports: {} };
const load = (name) => (DEFERRED.has(name) ? deferred(name) : require(name));
new Script(wrap(readFileSync(bundle, 'utf8')), { filename: bundle }).runInThisContext()(runtime.exports, load, runtime, bundle, '/usr/lib/hearth');
if (typeof globalThis[Symbol.for('hearth.runtimeMain')] !== 'function') throw new Error(`${bundle} did not set the runtime's entry`);
