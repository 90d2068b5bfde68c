import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { HearthError } from '@hearth/sdk/contract';
import { RUNTIME_LIVENESS, unresponsiveMessage, watchRuntimeLiveness } from './runtime-liveness.js';

type Reply = 'answer' | 'silent' | 'error' | 'disconnect';

/** A runtime whose replies the test scripts, one per ask (the last one repeats); asks are timed as a real peer's. */
function fakeRuntime(replies: Reply[], saturated = () => false) {
  const asks: number[] = [];
  let unresponsive = 0;
  const probe = {
    ask: (timeoutMs: number) => {
      const reply = replies[Math.min(asks.length, replies.length - 1)] ?? 'answer';
      asks.push(Date.now());
      if (reply === 'answer') return Promise.resolve({ phase: 'running', daemons: [] });
      if (reply === 'error') return Promise.reject(new HearthError('INTERNAL', 'the runtime failed the request'));
      if (reply === 'disconnect') return Promise.reject(new HearthError('HOST_UNREACHABLE', 'the connection closed before runtime.status was answered'));
      return new Promise((_, reject) => setTimeout(() => reject(new HearthError('TIMEOUT', `runtime.status got no answer within ${timeoutMs} ms`)), timeoutMs));
    },
    saturated,
    onUnresponsive: () => (unresponsive += 1),
  };
  return { probe, asks, unresponsive: () => unresponsive };
}

describe('watchRuntimeLiveness', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('a runtime that never answers is declared unresponsive once, after three unanswered asks 30 s long, and is not asked again', async () => {
    const runtime = fakeRuntime(['silent']);
    watchRuntimeLiveness(runtime.probe);
    await vi.advanceTimersByTimeAsync(RUNTIME_LIVENESS.intervalMs + 3 * RUNTIME_LIVENESS.timeoutMs - 1);
    expect(runtime.unresponsive()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runtime.unresponsive()).toBe(1);
    expect(runtime.asks).toEqual([10_000, 20_000, 30_000]);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(runtime.unresponsive()).toBe(1);
    expect(runtime.asks).toHaveLength(3);
  });

  test('a runtime that answers is asked every 10 s and never declared unresponsive', async () => {
    const runtime = fakeRuntime(['answer']);
    watchRuntimeLiveness(runtime.probe);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(runtime.unresponsive()).toBe(0);
    expect(runtime.asks).toHaveLength(60);
  });

  test('an answer between unanswered asks starts the count again', async () => {
    const runtime = fakeRuntime(['silent', 'silent', 'answer', 'silent', 'silent', 'answer']);
    watchRuntimeLiveness(runtime.probe);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(runtime.unresponsive()).toBe(0);
  });

  test('error replies and a disconnect are not counted as silence (the runtime answered, or its loss is handled elsewhere)', async () => {
    for (const reply of ['error', 'disconnect'] as const) {
      const runtime = fakeRuntime(['silent', 'silent', reply, 'silent', 'silent', reply]);
      watchRuntimeLiveness(runtime.probe);
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      expect(runtime.unresponsive()).toBe(0);
    }
  });

  test('unanswered asks while hearthd fills the runtime request bound are not counted', async () => {
    let full = true;
    const runtime = fakeRuntime(['silent'], () => full);
    watchRuntimeLiveness(runtime.probe);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(runtime.unresponsive()).toBe(0);
    full = false;
    await vi.advanceTimersByTimeAsync(3 * RUNTIME_LIVENESS.timeoutMs);
    expect(runtime.unresponsive()).toBe(1);
  });

  test('once stopped (the service stops), it asks nothing more and declares nothing, even with an ask in flight', async () => {
    const runtime = fakeRuntime(['silent']);
    const stop = watchRuntimeLiveness(runtime.probe);
    await vi.advanceTimersByTimeAsync(RUNTIME_LIVENESS.intervalMs + 2 * RUNTIME_LIVENESS.timeoutMs + 1);
    stop();
    stop();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(runtime.unresponsive()).toBe(0);
    expect(runtime.asks).toHaveLength(3);
  });

  test('the message says in words how long the runtime was silent, why, and what hearthd does', () => {
    expect(unresponsiveMessage()).toBe('the container runtime has not answered for 30 s: package code (a hook, action, check or file render) is blocking it; the service is restarted');
  });
});
