export * from './peer.js';
export * from './dispatcher.js';
export * from './splice.js';
