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
