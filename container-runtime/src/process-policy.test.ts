import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import type { Logger } from './log.js';
import { installProcessPolicy } from './process-policy.js';

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m, c) => lines.push(`error ${m}: ${String(c?.error)}`),
    child: () => logger,
  };
  return logger;
}

describe("the runtime's policy for errors nobody caught", () => {
  test('an unhandled rejection is logged with its reason and the runtime keeps running', () => {
    const events = new EventEmitter();
    const lines: string[] = [];
    const exits: number[] = [];
    installProcessPolicy(events as unknown as NodeJS.Process, recordingLogger(lines), (code) => exits.push(code));
    events.emit('unhandledRejection', new Error('check forgot a catch'));
    expect(lines).toEqual(['error unhandled promise rejection; the runtime keeps running: check forgot a catch']);
    expect(exits).toEqual([]);
  });

  test('an uncaught exception is logged, then the runtime exits 1 (never silently)', () => {
    const events = new EventEmitter();
    const lines: string[] = [];
    const exits: number[] = [];
    installProcessPolicy(events as unknown as NodeJS.Process, recordingLogger(lines), (code) => exits.push(code));
    events.emit('uncaughtException', new TypeError('x is undefined'));
    expect(lines).toEqual(['error uncaught exception; the runtime exits and hearthd restarts the service: x is undefined']);
    expect(exits).toEqual([1]);
  });
});
