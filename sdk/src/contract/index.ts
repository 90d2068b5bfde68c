export * from './paths.js';
export * from './runtime-api.js';
export * from './host-api.js';
export * from './package-module.js';
export * from '../errors.js';
export { validateManifest, MAX_MANIFEST_BYTES, type Manifest } from '../manifest.js';
export type { DaemonSpec, HealthCheckSpec, MountSpec } from '../daemons.js';
