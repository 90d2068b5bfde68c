import { HearthError, type DaemonStatus } from '@hearth/sdk/contract';

/** The daemons of one running service as the runtime last reported them, and the questions asked of them. */
export class DaemonTable {
  private readonly daemons = new Map<string, DaemonStatus>();
  /** Daemons in the order the package declares them (from the runtime's answers), for display. */
  order: string[] = [];

  constructor(private readonly serviceId: string) {}

  has(id: string): boolean {
    return this.daemons.has(id);
  }

  set(status: DaemonStatus): void {
    this.daemons.set(status.id, status);
  }

  delete(id: string): void {
    this.daemons.delete(id);
  }

  all(): DaemonStatus[] {
    return [...this.daemons.values()];
  }

  /** Every daemon ready and every task exited, and there is at least one. */
  allReady(): boolean {
    return this.daemons.size > 0 && this.all().every((d) => (d.kind === 'task' ? d.state === 'exited' : d.state === 'ready'));
  }

  /**
   * The daemon a command or file goes to when the caller names none: the first daemon (not task)
   * in the package's declaration order, or the first task when there are only tasks.
   */
  defaultDaemon(): string {
    const declared = this.order.flatMap((id) => this.daemons.get(id) ?? []);
    const all = declared.length > 0 ? declared : this.all();
    const first = all.find((d) => d.kind !== 'task') ?? all[0];
    if (!first) throw new HearthError('INVALID_PARAMS', `${this.serviceId} has no daemons`);
    return first.id;
  }

  /** Which running daemons were given each secret, as the runtime reported (none from older runtimes). */
  secretUsers(): Map<string, string[]> {
    const users = new Map<string, string[]>();
    for (const d of this.daemons.values()) for (const name of d.secrets ?? []) users.set(name, [...(users.get(name) ?? []), d.id]);
    return users;
  }

  /** True when the runtime reports which secrets its daemons have (a runtime with secrets support). */
  get knowsSecretUsers(): boolean {
    return this.all().some((d) => d.secrets !== undefined);
  }
}
