/** hearth's own version: shown by `server.info` and written into each start's log marker. */
export const HEARTH_VERSION = '0.1.0';
