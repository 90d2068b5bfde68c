import { runRuntime } from './runtime-main.js';

runRuntime();
