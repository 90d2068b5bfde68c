import { describe, expect, test } from 'vitest';
import { MAX_LAST_LINES, MAX_LOG_LINE_CHARS, parseDaemonStatus, parseDaemonUsage, parseExecOutput, parseLogEntry } from './runtime-input.js';

describe('parsing what the runtime sends', () => {
  test('a daemon status keeps its known fields and drops the rest', () => {
    const status = parseDaemonStatus({ id: 'web', state: 'failed', since: 1, message: 'm', exitCode: 1, lastLines: ['a'], extra: { x: 1 }, __proto__: { polluted: true } });
    expect(status).toEqual({ id: 'web', state: 'failed', since: 1, message: 'm', exitCode: 1, lastLines: ['a'] });
    expect(Object.getPrototypeOf(status)).toBe(Object.prototype);
    expect(parseDaemonStatus({ id: 'web', state: 'waiting', since: 1, kind: 'daemon', requires: ['db', 'init'] })).toEqual({ id: 'web', state: 'waiting', since: 1, kind: 'daemon', requires: ['db', 'init'] });
  });

  test('a daemon status of the wrong shape is refused', () => {
    for (const bad of [
      null,
      [],
      'web',
      { id: 'web', state: 'dancing', since: 1 },
      { id: 1, state: 'ready', since: 1 },
      { id: 'x'.repeat(200), state: 'ready', since: 1 },
      { id: 'web', state: 'ready' },
      { id: 'web', state: 'ready', since: 1, pid: -1 },
      { id: 'web', state: 'ready', since: 1, lastLines: 'a' },
      { id: 'web', state: 'ready', since: 1, message: { a: 1 } },
      { id: 'web', state: 'constructor', since: 1 },
      { id: 'web', state: 'ready', since: 1, requires: 'db' },
      { id: 'web', state: 'ready', since: 1, requires: [1] },
      { id: 'web', state: 'ready', since: 1, requires: ['x'.repeat(200)] },
      { id: 'web', state: 'ready', since: 1, requires: Array.from({ length: 65 }, (_, i) => `d${i}`) },
    ]) {
      expect(parseDaemonStatus(bad)).toBeNull();
    }
  });

  test('long strings in a status are cut, and only the last lines are kept', () => {
    const status = parseDaemonStatus({ id: 'web', state: 'failed', since: 1, message: 'm'.repeat(100_000), lastLines: Array.from({ length: 1000 }, (_, i) => `${i}`.repeat(100_000)) });
    expect(status?.message?.length).toBe(4096);
    expect(status?.lastLines).toHaveLength(MAX_LAST_LINES);
    expect(status?.lastLines?.[0]?.length).toBe(MAX_LOG_LINE_CHARS);
  });

  test('a log line is cut to 16 KiB; an entry of the wrong shape is refused', () => {
    expect(parseLogEntry({ daemon: 'web', stream: 'stdout', line: 'a'.repeat(1_000_000), time: 5 })?.line.length).toBe(MAX_LOG_LINE_CHARS);
    expect(parseLogEntry({ daemon: 'web', stream: 'stdin', line: 'a', time: 5 })).toBeNull();
    expect(parseLogEntry({ daemon: ['web'], stream: 'stdout', line: 'a', time: 5 })).toBeNull();
    expect(parseLogEntry({ daemon: 'web', stream: 'stdout', line: 'a', time: 'now' })).toBeNull();
  });

  test('exec output needs a short exec id and string data', () => {
    expect(parseExecOutput({ execId: 'e', stream: 'stderr', data: 'x' })).toEqual({ execId: 'e', stream: 'stderr', data: 'x' });
    expect(parseExecOutput({ execId: 'e'.repeat(100), stream: 'stderr', data: 'x' })).toBeNull();
    expect(parseExecOutput({ execId: 'e', stream: 'stderr', data: 5 })).toBeNull();
  });

  test('daemon usage needs non-negative numbers', () => {
    expect(parseDaemonUsage({ id: 'web', memoryBytes: 1, pids: 2, cpuSeconds: 0.5 })).toEqual({ id: 'web', memoryBytes: 1, pids: 2, cpuSeconds: 0.5 });
    expect(parseDaemonUsage({ id: 'web', memoryBytes: -1, pids: 2, cpuSeconds: 0.5 })).toBeNull();
    expect(parseDaemonUsage({ id: 'web', memoryBytes: 1, pids: 2.5, cpuSeconds: 0.5 })).toBeNull();
  });
});
