import { expect, test } from 'vitest';
import { ServiceFeedback } from './service-feedback.js';

const config = { settings: {}, secrets: { 'db-password': 'hunter2hunter2' } };

test('log lines, daemon reasons and last lines, action results, the status message and hook errors are redacted', () => {
  const f = new ServiceFeedback(config);
  expect(f.log({ daemon: 'db', stream: 'stderr', line: 'pw hunter2hunter2', time: 1 }).line).toBe('pw [secret:db-password]');
  const daemon = f.daemon({ id: 'db', state: 'failed', since: 1, message: 'exited: hunter2hunter2', lastLines: ['a hunter2hunter2'] });
  expect(JSON.stringify(daemon)).not.toContain('hunter2');
  expect(JSON.stringify(f.actionResult({ message: 'hunter2hunter2', data: { pw: 'hunter2hunter2' } }))).not.toContain('hunter2');
  f.setMessage('backup failed: hunter2hunter2 rejected');
  const line = f.hookReport({ hook: 'daemonCrashed', ok: false, error: 'boom hunter2hunter2', durationMs: 12.4, time: 5 });
  expect(line).toMatchObject({ stream: 'stderr', line: 'hearth: hook daemonCrashed failed after 12 ms: boom [secret:db-password]' });
  expect(f.status()).toEqual({ message: 'backup failed: [secret:db-password] rejected', hooks: [{ hook: 'daemonCrashed', ok: false, error: 'boom [secret:db-password]', durationMs: 12.4, time: 5 }] });
});

test('the last report of each hook is kept, oldest first; a hook that succeeds writes no log line; null clears the message', () => {
  const f = new ServiceFeedback(null);
  expect(f.hookReport({ hook: 'daemonReady', ok: true, durationMs: 1, time: 10 })).toBeNull();
  f.hookReport({ hook: 'afterUpdate', ok: true, durationMs: 1, time: 5 });
  f.hookReport({ hook: 'daemonReady', ok: true, durationMs: 1, time: 20 });
  expect(f.status().hooks?.map((h) => [h.hook, h.time])).toEqual([['afterUpdate', 5], ['daemonReady', 20]]);
  f.setMessage('hi');
  f.setMessage(null);
  expect(f.status().message).toBeUndefined();
});

test('after a rotation, both the old and the new value are redacted', () => {
  const f = new ServiceFeedback(config);
  f.learn({ settings: {}, secrets: { 'db-password': 'brand-new-value' } });
  expect(f.log({ daemon: 'db', stream: 'stdout', line: 'hunter2hunter2 brand-new-value', time: 1 }).line).toBe('[secret:db-password] [secret:db-password]');
});
