export * from './peer.js';
export * from './dispatcher.js';
