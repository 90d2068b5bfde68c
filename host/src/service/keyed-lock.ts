import { HearthError } from '@hearth/sdk/contract';

/**
 * Serializes operations per key (per service): a second conflicting call fails fast with
 * SERVICE_BUSY naming the operation in progress, instead of interleaving with it.
 */
export class KeyedLock {
  private readonly held = new Map<string, string>();

  async run<T>(key: string, operation: string, fn: () => Promise<T>): Promise<T> {
    const current = this.held.get(key);
    if (current !== undefined) {
      throw new HearthError('SERVICE_BUSY', `${key} is busy: ${current} is in progress`, {
        hint: 'wait for it to finish and try again',
        details: { service: key, operation: current },
      });
    }
    this.held.set(key, operation);
    try {
      return await fn();
    } finally {
      this.held.delete(key);
    }
  }
}
