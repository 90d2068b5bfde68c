/**
 * The one structured logger of hearthd and the container runtime: JSON lines (on stderr by
 * default), with context carried by child loggers (`{service, daemon}`).
 */
export interface Logger {
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
  child(context: Record<string, unknown>): Logger;
}

export function createLogger(base: Record<string, unknown> = {}, write = (line: string): unknown => process.stderr.write(line)): Logger {
  const emit = (level: string, message: string, context: Record<string, unknown> = {}): void => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...base, ...context })}\n`);
  };
  return {
    info: (m, c) => emit('info', m, c),
    warn: (m, c) => emit('warn', m, c),
    error: (m, c) => emit('error', m, c),
    child: (context) => createLogger({ ...base, ...context }, write),
  };
}
