/**
 * A stack of undo steps for a multi-step operation: each step that acquires something pushes its
 * release; `run` releases in reverse order, once, continuing past failures so one stuck step does
 * not leak everything after it. Steps pushed one after another with the same `group` are
 * independent of each other (the unmounts of separate filesystems) and are released together.
 */
export class CleanupStack {
  private steps: { release: () => Promise<unknown>; group: string | undefined }[] = [];

  push(release: () => Promise<unknown>, group?: string): void {
    this.steps.push({ release, group });
  }

  async run(onError: (error: unknown) => void): Promise<void> {
    const steps = this.steps.reverse();
    this.steps = [];
    for (let i = 0; i < steps.length; ) {
      const group = steps[i]?.group;
      let end = i + 1;
      while (group !== undefined && end < steps.length && steps[end]?.group === group) end += 1;
      const results = await Promise.allSettled(steps.slice(i, end).map(async (step) => await step.release()));
      for (const result of results) if (result.status === 'rejected') onError(result.reason);
      i = end;
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
