import { describe, expect, test } from 'vitest';
import { DEFAULT_RESTART } from '@hearth/sdk';
import { exitReport } from './exit-report.js';

const spec = { kind: 'daemon' as const, restart: { mode: 'always' as const, ...DEFAULT_RESTART } };
const exit = { code: 3, signal: null, at: 0 };

describe('what the end of a run is reported as', () => {
  test('a restart says why, when, and how many exits of the allowed ones', () => {
    expect(exitReport({ spec, exit, livenessKill: null, decision: { restart: true, delayMs: 2000, crashes: 2 }, lastLines: [] })).toEqual({
      status: { state: 'restarting', message: 'exited with code 3; restarting in 2.0 s (exit 2 of 5 allowed in 300 s)', restarts: 2, exitCode: 3 },
      restartInMs: 2000,
    });
  });

  test('a crash loop is failed with the count and its last five lines', () => {
    const lines = ['1', '2', '3', '4', '5', '6'];
    const report = exitReport({ spec, exit, livenessKill: null, decision: { restart: false, reason: 'crash-loop', crashes: 5 }, lastLines: lines });
    expect(report.restartInMs).toBeNull();
    expect(report.status).toMatchObject({ state: 'failed', message: 'exited with code 3; it exited 5 times within 300 s, so it is not restarted again; last output: 2 | 3 | 4 | 5 | 6', lastLines: ['2', '3', '4', '5', '6'] });
  });

  test('the kernel’s OOM kill and a liveness kill are named instead of the signal', () => {
    const killed = { code: null, signal: 'SIGKILL' as const, at: 0 };
    const decision = { restart: true as const, delayMs: 1000, crashes: 1 };
    expect(exitReport({ spec, exit: killed, oomLimitMiB: 256, livenessKill: null, decision, lastLines: [] }).status.message).toMatch(/^was killed by the kernel: out of memory \(the service's limit is 256 MiB\); restarting/);
    expect(exitReport({ spec, exit: killed, livenessKill: 'liveness check failed: refused', decision, lastLines: [] }).status).toMatchObject({ signal: 'SIGKILL', message: expect.stringMatching(/^liveness check failed: refused; restarting/) as string });
  });

  test('a task that finished is exited, and a daemon not restarted by policy says its policy', () => {
    expect(exitReport({ spec: { ...spec, kind: 'task' }, exit: { ...exit, code: 0 }, livenessKill: null, decision: null, lastLines: [] }).status).toEqual({ state: 'exited', message: 'finished', exitCode: 0 });
    const never = { ...spec, restart: { ...spec.restart, mode: 'never' as const } };
    expect(exitReport({ spec: never, exit, livenessKill: null, decision: { restart: false, reason: 'not-restarted', crashes: 1 }, lastLines: [] }).status.message).toBe('exited with code 3 and its restart policy is never');
  });
});
