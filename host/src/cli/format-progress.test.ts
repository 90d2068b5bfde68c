import { describe, expect, it } from 'vitest';
import type { ServiceSummary } from '@hearth/sdk/contract';
import { formatProgress, formatServices } from './format.js';

const summary = (id: string, extra: Partial<ServiceSummary> = {}): ServiceSummary => ({ id, title: id, version: '1.0.0', signer: 'k', state: 'stopped', ready: false, interfaces: [], ...extra });

describe('hearth ls while many services start', () => {
  it('heads the table with the progress, and shows a service waiting for its turn as queued', () => {
    const text = formatServices([summary('a', { state: 'running', ready: true }), summary('b', { queued: true })], { operation: 'start', total: 2, done: 1, failed: 0, queued: 1 });
    const [heading, , ...rows] = text.split('\n');
    expect(heading).toBe('starting all: 1 of 2 ready, 1 queued');
    expect(rows.find((r) => r.startsWith('b'))).toMatch(/\bqueued\b/);
  });

  it('says how many failed, and speaks of stopped ones at shutdown', () => {
    expect(formatProgress({ operation: 'start', total: 30, done: 12, failed: 2, queued: 0 })).toBe('starting all: 12 of 30 ready, 2 failed');
    expect(formatProgress({ operation: 'stop', total: 3, done: 1, failed: 0, queued: 2 })).toBe('stopping all: 1 of 3 stopped, 2 queued');
  });
});
