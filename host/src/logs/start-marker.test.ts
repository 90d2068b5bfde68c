import { expect, test } from 'vitest';
import { formatLogEntry } from '../cli/format.js';
import { matches } from './read-logs.js';
import { startMarker } from './start-marker.js';

const marker = startMarker('notes', '1.2.0', '0.1.0', Date.UTC(2025, 0, 2, 3, 4, 5));

test('the start marker names the package version, hearth version and time, and prints as its own line', () => {
  expect(formatLogEntry(marker)).toBe('── notes 1.2.0 started by hearth 0.1.0 at 2025-01-02T03:04:05.000Z ──');
});

test('a daemon filter keeps the start markers, so each run stays visible', () => {
  expect(matches(marker, { daemon: 'web' })).toBe(true);
  expect(matches({ daemon: 'db', stream: 'stdout', line: 'x', time: 1 }, { daemon: 'web' })).toBe(false);
  expect(matches(marker, { since: marker.time + 1 })).toBe(false);
});
