/** Helpers that hearthd and the container runtime both need, written once (Node only, not for packages). */
export * from './log.js';
export * from './mounts.js';
export * from './cgroup.js';
export * from './sandboxed-node.js';
export * from './processes.js';
