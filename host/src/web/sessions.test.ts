import { expect, test } from 'vitest';
import { MAX_SESSIONS, SESSION_IDLE_MS, SESSION_MAX_MS, SessionStore, tokenMatches } from './sessions.js';

test('a session ends after SESSION_IDLE_MS unused, and after SESSION_MAX_MS however much it is used', () => {
  let now = 0;
  const store = new SessionStore(() => now);
  const idle = store.create();
  now += SESSION_IDLE_MS + 1;
  expect(store.get(idle.id)).toBeNull();

  const busy = store.create();
  const start = now;
  while (now - start < SESSION_MAX_MS - SESSION_IDLE_MS / 2) {
    now += SESSION_IDLE_MS / 2;
    expect(store.get(busy.id)).not.toBeNull();
  }
  now = start + SESSION_MAX_MS + 1;
  expect(store.get(busy.id)).toBeNull();
});

test('ids and tokens are distinct random values; a token matches only its own session; more than MAX_SESSIONS ends the oldest', () => {
  const store = new SessionStore(() => 0);
  const a = store.create();
  const b = store.create();
  expect(a.id).not.toBe(b.id);
  expect(a.session.token).not.toBe(a.id);
  expect(tokenMatches(a.session, a.session.token)).toBe(true);
  expect(tokenMatches(a.session, b.session.token)).toBe(false);
  expect(tokenMatches(a.session, undefined)).toBe(false);
  expect(store.get('not-a-session')).toBeNull();
  for (let i = 0; i < MAX_SESSIONS; i += 1) store.create();
  expect(store.size).toBe(MAX_SESSIONS);
  expect(store.get(a.id)).toBeNull();
});
