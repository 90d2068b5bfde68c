import { expect, test } from 'vitest';
import { createLogger } from './log.js';
import { rateLimitedWarn } from './rate-limited-log.js';

test('a flood of warnings logs a few per window and then the count of those left out', () => {
  const lines: Record<string, unknown>[] = [];
  let time = 0;
  const warn = rateLimitedWarn(createLogger({}, (l) => lines.push(JSON.parse(l) as Record<string, unknown>) > 0), 'bad', { perWindow: 3, windowMs: 1000, now: () => time });
  for (let i = 0; i < 1000; i += 1) warn({ i });
  expect(lines).toHaveLength(3);
  time = 1000;
  warn({ i: 'next' });
  expect(lines).toHaveLength(4);
  expect(lines[3]).toMatchObject({ message: 'bad', i: 'next', suppressedBefore: 997 });
});
