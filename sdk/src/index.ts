/** @hearth/sdk: what package authors import. */
export { defineManifest, validateManifest, SDK_VERSION } from './manifest.js';
export type { Manifest, ManifestInput, ImageDeclaration, ImageSource, InterfaceDeclaration, Resources, SecretDeclaration, SecretAlphabet } from './manifest.js';
export { Daemons, DEFAULT_RESTART, DEFAULT_STOP_TIMEOUT_MS } from './daemons.js';
export type { DaemonOptions, TaskOptions, DaemonSpec, MountSpec, MainFunction, RestartPolicy, FileSpec, FileContent, FileDeclaration } from './daemons.js';
export { healthChecks, DEFAULT_CHECK_TIMING } from './health.js';
export type { HealthCheck, HealthCheckSpec, CheckStrategy, CheckTiming, CheckResult, CheckFunction, CheckFunctionContext } from './health.js';
export { waves } from './graph.js';
export { HearthError, ERROR_CODES, isHearthError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { Actions, parseInput } from './actions.js';
export { defaultSettings } from './input.js';
export { defineHooks, HOOK_TIMEOUT_MS } from './hooks.js';
export type { Hooks, HookContext, DaemonCrash, HookName } from './hooks.js';
export type { MainContext, FileContext, RunOptions, RunOutcome, SettingsOf, SecretIds } from './context.js';
export { MAX_RUN_OUTPUT_BYTES, DEFAULT_RUN_TIMEOUT_MS } from './context.js';
export { dependencyAddress } from './dependencies.js';
export type { DependencyAddress } from './dependencies.js';
export type { ActionDefinition, ActionContext, ActionResult, ActionInfo, ActionTools, InputSchema, InputField, InputOf, ExecOutcome } from './actions.js';
