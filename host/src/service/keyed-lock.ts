import { HearthError } from '@hearth/sdk/contract';

export const LOCK_WAIT_MS = 5 * 60_000;

/**
 * Serializes operations per key (per service): a second call waits for the one in progress, in
 * arrival order, and never interleaves with it. A call that waits longer than `waitMs` gives up
 * with SERVICE_BUSY naming the operation that holds the service.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly holders = new Map<string, string>();

  constructor(private readonly waitMs = LOCK_WAIT_MS) {}

  async run<T>(key: string, operation: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    // Forgotten once it settles, not when this call ends: a waiter that gave up must leave the
    // queue in place, or the next caller would run beside the holder. (Tails never reject.)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    let holding = false;
    try {
      await this.waitTurn(key, operation, previous);
      holding = true;
      this.holders.set(key, operation);
      return await fn();
    } finally {
      // Only the holder forgets its name: a waiter that gave up never held the key.
      if (holding) this.holders.delete(key);
      release();
    }
  }

  private async waitTurn(key: string, operation: string, previous: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const holder = this.holders.get(key) ?? 'another operation';
        reject(
          new HearthError('SERVICE_BUSY', `${key} is busy: ${holder} is still in progress after ${this.waitMs} ms, so ${operation} gave up`, {
            hint: 'try again when it has finished; see `hearth status`',
            details: { service: key, operation: holder },
          }),
        );
      }, this.waitMs);
    });
    try {
      await Promise.race([previous, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
