/**
 * A stack of undo steps for a multi-step operation: each step that acquires something pushes its
 * release; `run` releases in reverse order, once, continuing past failures so one stuck step does
 * not leak everything after it.
 */
export class CleanupStack {
  private steps: (() => Promise<unknown>)[] = [];

  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async run(onError: (error: unknown) => void): Promise<void> {
    const steps = this.steps.reverse();
    this.steps = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        onError(error);
      }
    }
  }
}

/**
 * Run independent steps of one operation together. Every step settles before the first failure
 * is thrown, so the cleanup stack never runs while another step is still acquiring.
 */
export async function together<T extends readonly unknown[]>(steps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(steps);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
