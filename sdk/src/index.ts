/** @hearth/sdk: what package authors import. */
export { defineManifest, validateManifest, SDK_VERSION } from './manifest.js';
export type { Manifest, ManifestInput, ImageDeclaration, ImageSource, InterfaceDeclaration } from './manifest.js';
export { Daemons, healthChecks } from './daemons.js';
export type { DaemonOptions, DaemonSpec, HealthCheckSpec, MountSpec, MainFunction } from './daemons.js';
export { HearthError, ERROR_CODES, isHearthError } from './errors.js';
export type { ErrorCode } from './errors.js';
