/**
 * Milliseconds each step of one start took, as hearthd saw them: where a slow start spends its
 * time (`service.status` → `stepsMs`, logged at start, and printed by the benchmarks). A step
 * ends where the next begins; `ready` runs from the daemons' spawn to every daemon ready. A
 * restart in place and a stop are timed the same way (their own steps, logged).
 */
export class StartTimings {
  private readonly steps: Record<string, number> = {};
  private last: number;
  private readyMarked = false;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.last = now();
  }

  /** The step called `name` ends now. */
  mark(name: string): void {
    const now = this.now();
    this.steps[name] = Math.round(now - this.last);
    this.last = now;
  }

  /** Every daemon turned ready: the `ready` step ends, once per start. */
  markReady(): void {
    if (this.readyMarked) return;
    this.readyMarked = true;
    this.mark('ready');
  }

  get ready(): boolean {
    return this.readyMarked;
  }

  snapshot(): Record<string, number> {
    return { ...this.steps };
  }
}
