import { errorMessage } from '@hearth/sdk/contract';
import type { Logger } from './log.js';

/**
 * What the runtime does with errors nobody caught, so it never exits silently. A rejected promise
 * nobody awaited (often package code: a check or an action that forgot a catch) is logged and the
 * runtime keeps running, as its daemons do. An uncaught exception leaves the runtime in an unknown
 * state: logged, then exit 1; the container ends with it and hearthd sees the runtime lost and
 * restarts the service.
 */
export function installProcessPolicy(target: Pick<NodeJS.Process, 'on'>, logger: Logger, exit: (code: number) => void): void {
  target.on('unhandledRejection', (reason: unknown) => {
    logger.error('unhandled promise rejection; the runtime keeps running', { error: errorMessage(reason), stack: reason instanceof Error ? reason.stack : undefined });
  });
  target.on('uncaughtException', (error: Error) => {
    logger.error('uncaught exception; the runtime exits and hearthd restarts the service', { error: errorMessage(error), stack: error.stack });
    exit(1);
  });
}
