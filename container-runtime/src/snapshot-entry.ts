import { runRuntime } from './runtime-main.js';

/**
 * The entry of the base's V8 startup snapshot (scripts/build-base.mjs): every module of the runtime
 * evaluated, nothing run. The loader (scripts/runtime-loader.cjs) finds `runRuntime` here after the
 * snapshot is deserialized and calls it; it runs as a normal script, so its import() works.
 */
(globalThis as Record<symbol, unknown>)[Symbol.for('hearth.runtimeMain')] = runRuntime;
