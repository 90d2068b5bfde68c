/** The one structured logger lives in the SDK, shared with the container runtime. */
export { createLogger, type Logger } from '@hearth/sdk/system';
