export * from './paths.js';
export * from './runtime-api.js';
export * from './host-api.js';
export * from './package-module.js';
export * from '../errors.js';
export { validateManifest, MAX_MANIFEST_BYTES, type Manifest } from '../manifest.js';
export type { DaemonSpec, MountSpec, RestartPolicy } from '../daemons.js';
export type { HealthCheckSpec, CheckResult, CheckFunction } from '../health.js';
export { waves } from '../graph.js';
