import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A session unused this long ends. */
export const SESSION_IDLE_MS = 7 * 24 * 3600 * 1000;
/** And any session ends this long after sign-in, used or not. */
export const SESSION_MAX_MS = 30 * 24 * 3600 * 1000;
/** Signing in once more ends the oldest session past this many. */
export const MAX_SESSIONS = 64;
const ID_BYTES = 32;

export interface Session {
  /** Sent with every API call in a header; the browser keeps it where only the dashboard's origin reads it. */
  readonly token: string;
  readonly createdAt: number;
  lastUsedAt: number;
}

const digest = (value: string): string => createHash('sha256').update(value).digest('hex');

/**
 * Signed-in browsers, in memory (a hearthd restart signs everyone out). Keyed by the sha256 of the
 * cookie's id, so a lookup's timing says nothing about a real id and a heap dump holds no cookie.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new session: the cookie value and the token. */
  create(): { id: string; session: Session } {
    this.sweep();
    while (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const id = randomBytes(ID_BYTES).toString('base64url');
    const now = this.now();
    const session: Session = { token: randomBytes(ID_BYTES).toString('base64url'), createdAt: now, lastUsedAt: now };
    this.sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session of this cookie value, touched; null when unknown or expired. */
  get(id: string | undefined): Session | null {
    if (id === undefined || id.length === 0 || id.length > 128) return null;
    const key = digest(id);
    const session = this.sessions.get(key);
    if (session === undefined) return null;
    const now = this.now();
    if (now - session.lastUsedAt > SESSION_IDLE_MS || now - session.createdAt > SESSION_MAX_MS) {
      this.sessions.delete(key);
      return null;
    }
    session.lastUsedAt = now;
    return session;
  }

  destroy(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(digest(id));
  }

  /** Ends every session (the password changed). */
  clear(): void {
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, s] of this.sessions) if (now - s.lastUsedAt > SESSION_IDLE_MS || now - s.createdAt > SESSION_MAX_MS) this.sessions.delete(key);
  }
}

/** The token header against the session's, in constant time. */
export function tokenMatches(session: Session, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(session.token).digest();
  return timingSafeEqual(a, b);
}
