import type { Logger } from './log.js';

export const RATE_LIMIT_WINDOW_MS = 60_000;
export const RATE_LIMIT_PER_WINDOW = 10;

/**
 * A warning that a peer can trigger at will (a bad request, a malformed notification): the first
 * `perWindow` of each window are logged, the rest only counted, and the count of those left out
 * goes with the next one logged. A flood costs a counter, not a log line per message.
 */
export function rateLimitedWarn(
  logger: Logger,
  message: string,
  { perWindow = RATE_LIMIT_PER_WINDOW, windowMs = RATE_LIMIT_WINDOW_MS, now = Date.now } = {},
): (context: Record<string, unknown>) => void {
  let windowStart = -Infinity;
  let logged = 0;
  let suppressed = 0;
  return (context) => {
    const time = now();
    if (time - windowStart >= windowMs) {
      windowStart = time;
      logged = 0;
    }
    if (logged >= perWindow) {
      suppressed += 1;
      return;
    }
    logged += 1;
    logger.warn(message, suppressed > 0 ? { ...context, suppressedBefore: suppressed } : context);
    suppressed = 0;
  };
}
