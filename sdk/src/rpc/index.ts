export * from './peer.js';
export * from './dispatcher.js';
export * from './splice.js';
export * from './bounds.js';
export * from './line-splitter.js';
export * from './incoming.js';
export * from './batch.js';
