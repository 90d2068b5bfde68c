import { describe, expect, test } from 'vitest';
import type { DaemonState, DaemonStatus } from '@hearth/sdk/contract';
import { adoptAction, runtimePhase } from './adopt-phase.js';

const daemon = (state: DaemonState, pid?: number): DaemonStatus => ({ id: `d-${state}`, state, since: 0, ...(pid !== undefined && { pid }) });

describe('adopting a container: finish the start or stop the hearthd before began', () => {
  test.each([
    ['loaded', 'start'],
    ['starting', 'start'],
    ['started', 'keep'],
    ['stopping', 'restart'],
    ['stopped', 'restart'],
  ] as const)('a runtime in phase %s is adopted with %s', (phase, action) => {
    expect(adoptAction(runtimePhase(phase, [daemon('ready', 9)]))).toBe(action);
  });

  test('a reported phase wins over what the daemons suggest', () => {
    expect(runtimePhase('started', [daemon('waiting')])).toBe('started');
  });

  test.each([
    [[daemon('waiting'), daemon('waiting')], 'loaded'],
    [[daemon('ready', 5), daemon('waiting')], 'started'],
    [[daemon('starting', 5)], 'started'],
    [[daemon('failed')], 'started'],
    [[daemon('ready', 5), daemon('stopping', 6)], 'stopping'],
    [[daemon('stopped'), daemon('stopped')], 'stopped'],
    [[], 'started'],
  ] as const)('a runtime without phase (started by an older hearthd) is judged by its daemons: %j is %s', (daemons, phase) => {
    expect(runtimePhase(undefined, daemons)).toBe(phase);
  });
});
