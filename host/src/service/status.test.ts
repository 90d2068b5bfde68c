import { describe, expect, test } from 'vitest';
import type { DaemonStatus } from '@hearth/sdk/contract';
import { serviceState } from './status.js';

const d = (id: string, state: DaemonStatus['state'], kind: 'daemon' | 'task' = 'daemon', message?: string): DaemonStatus => ({
  id,
  state,
  kind,
  since: 0,
  ...(message !== undefined && { message }),
});
const facts = { order: ['init', 'db', 'web'], stopping: false, stopped: false, message: undefined };

describe('service state from daemon states', () => {
  test('running and ready once every daemon is ready and every task has exited, daemons in declared order', () => {
    const s = serviceState({ ...facts, daemons: [d('web', 'ready'), d('init', 'exited', 'task'), d('db', 'ready')] });
    expect(s).toMatchObject({ state: 'running', ready: true });
    expect(s.daemons.map((x) => x.id)).toEqual(['init', 'db', 'web']);
  });

  test('starting while a daemon waits or starts', () => {
    expect(serviceState({ ...facts, daemons: [d('db', 'ready'), d('web', 'waiting')] })).toMatchObject({ state: 'starting', ready: false });
  });

  test('failed, with the failed daemon’s reason, when one failed', () => {
    expect(serviceState({ ...facts, daemons: [d('db', 'failed', 'daemon', 'exited with code 1'), d('web', 'ready')] })).toMatchObject({
      state: 'failed',
      ready: false,
      message: 'exited with code 1',
    });
  });

  test('failed when the runtime was lost, even if the last known states were ready', () => {
    expect(serviceState({ ...facts, message: 'the container runtime disconnected', daemons: [d('db', 'ready')] })).toMatchObject({ state: 'failed', ready: false });
  });

  test('stopping, then stopped', () => {
    expect(serviceState({ ...facts, stopping: true, daemons: [d('db', 'ready')] }).state).toBe('stopping');
    expect(serviceState({ ...facts, stopping: true, stopped: true, daemons: [] }).state).toBe('stopped');
  });
});
