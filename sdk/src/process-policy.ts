import { errorMessage } from './errors.js';

/** Longest stack logged for an unexpected error. */
export const MAX_LOGGED_STACK_CHARS = 4000;

export interface PolicyLogger {
  error(message: string, context?: Record<string, unknown>): void;
}

export interface PolicyProcess {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  on(event: 'uncaughtException', listener: (error: Error) => void): unknown;
}

function describe(value: unknown): Record<string, unknown> {
  const stack = value instanceof Error ? value.stack?.slice(0, MAX_LOGGED_STACK_CHARS) : undefined;
  return { error: errorMessage(value), ...(stack !== undefined && { stack }) };
}

/**
 * What a long-lived hearth process does with an error nobody caught, said once instead of left to
 * Node's defaults: a rejected promise nobody awaited is logged and the process carries on (the
 * operation it belonged to has already failed); an uncaught exception is logged and the process
 * exits 1, since its state may be half-updated. Nothing exits silently.
 */
export function installProcessPolicy(logger: PolicyLogger, exit: (code: number) => void = (code) => process.exit(code), proc: PolicyProcess = process): void {
  proc.on('unhandledRejection', (reason) => logger.error('unhandled promise rejection; carrying on', describe(reason)));
  proc.on('uncaughtException', (error) => {
    logger.error('uncaught exception; exiting', describe(error));
    exit(1);
  });
}
