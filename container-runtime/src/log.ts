/**
 * The runtime's own log: JSON lines on stderr. The base rootfs starts the runtime with stderr on
 * the container console, which LXC writes to `logs/<service>/runtime.log` on the host.
 */
export interface Logger {
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
  child(context: Record<string, unknown>): Logger;
}

export function createLogger(base: Record<string, unknown> = {}): Logger {
  const emit = (level: string, message: string, context: Record<string, unknown> = {}): void => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...base, ...context })}\n`);
  };
  return {
    info: (m, c) => emit('info', m, c),
    warn: (m, c) => emit('warn', m, c),
    error: (m, c) => emit('error', m, c),
    child: (context) => createLogger({ ...base, ...context }),
  };
}
