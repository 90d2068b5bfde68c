/** Failures an address may make before it has to wait. */
export const FREE_FAILURES = 5;
/** The first wait after those; each further failure doubles it. */
export const FIRST_DELAY_MS = 1_000;
export const MAX_DELAY_MS = 15 * 60 * 1000;
/** An address that has not failed for this long starts afresh. */
export const FORGET_AFTER_MS = 60 * 60 * 1000;
/** Addresses remembered at most; the longest-quiet is forgotten first (a flood of addresses cannot grow hearthd). */
export const MAX_TRACKED_ADDRESSES = 10_000;

interface Record {
  failures: number;
  lastFailureAt: number;
  blockedUntil: number;
}

/**
 * Sign-in attempts per client address, with exponential backoff: FREE_FAILURES failures, then
 * 1 s, 2 s, 4 s … up to 15 min between tries. Pure, with an injected clock.
 */
export class LoginLimiter {
  private readonly records = new Map<string, Record>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds this address must still wait before trying again (0: it may try now). */
  waitMs(address: string): number {
    const record = this.records.get(address);
    if (record === undefined) return 0;
    const now = this.now();
    if (now - record.lastFailureAt > FORGET_AFTER_MS) {
      this.records.delete(address);
      return 0;
    }
    return Math.max(0, record.blockedUntil - now);
  }

  failed(address: string): void {
    const now = this.now();
    const previous = this.records.get(address);
    const failures = previous !== undefined && now - previous.lastFailureAt <= FORGET_AFTER_MS ? previous.failures + 1 : 1;
    const over = failures - FREE_FAILURES;
    const delay = over <= 0 ? 0 : Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(over - 1, 30));
    this.records.delete(address); // re-insert: Map order is then least-recently-failed first
    this.records.set(address, { failures, lastFailureAt: now, blockedUntil: now + delay });
    while (this.records.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.records.keys().next().value;
      if (oldest === undefined) break;
      this.records.delete(oldest);
    }
  }

  succeeded(address: string): void {
    this.records.delete(address);
  }
}
