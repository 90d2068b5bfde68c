import { Redactor, type ActionResult, type DaemonStatus, type HookReport, type LogEntry, type ServiceConfig } from '@hearth/sdk/contract';
import { MARKER_DAEMON } from '../logs/start-marker.js';

/**
 * What a running service tells hearthd that hearthd keeps or passes on (log lines, daemon reasons,
 * action results, errors, the hooks' message and reports), with every secret value it was given
 * replaced by `[secret:<name>]` first. Values replaced by a rotation stay redacted for the life of
 * the run: lines written before the restart may still arrive.
 */
export class ServiceFeedback {
  private redactor: Redactor;
  private message: string | undefined;
  private readonly hooks = new Map<string, HookReport>();

  constructor(config: ServiceConfig | null) {
    this.redactor = config === null ? Redactor.none() : Redactor.of(config.secrets);
  }

  /** New secret values (set, rotated) are redacted from now on, the old ones still. */
  learn(config: ServiceConfig): void {
    this.redactor = this.redactor.with(config.secrets);
  }

  log(entry: LogEntry): LogEntry {
    return this.redactor.empty ? entry : { ...entry, line: this.redactor.text(entry.line) };
  }

  daemon(status: DaemonStatus): DaemonStatus {
    if (this.redactor.empty) return status;
    return {
      ...status,
      ...(status.message !== undefined && { message: this.redactor.text(status.message) }),
      ...(status.lastLines !== undefined && { lastLines: status.lastLines.map((line) => this.redactor.text(line)) }),
    };
  }

  actionResult(result: ActionResult): ActionResult {
    return { message: this.redactor.text(result.message), ...(result.data !== undefined && { data: this.redactor.value(result.data) }) };
  }

  /** An error from the runtime, fit to log and return. */
  error(error: unknown): unknown {
    return this.redactor.error(error);
  }

  /** Any text the package wrote, secret values replaced. */
  text(text: string): string {
    return this.redactor.text(text);
  }

  setMessage(text: string | null): void {
    this.message = text === null ? undefined : this.redactor.text(text);
  }

  /** Records the report; a failed hook also becomes a line of the service's log (returned). */
  hookReport(report: HookReport): LogEntry | null {
    const kept = { ...report, ...(report.error !== undefined && { error: this.redactor.text(report.error) }) };
    this.hooks.set(report.hook, kept);
    if (kept.ok) return null;
    return { daemon: MARKER_DAEMON, stream: 'stderr', line: `hearth: hook ${kept.hook} failed after ${Math.round(kept.durationMs)} ms: ${kept.error ?? 'no reason given'}`, time: kept.time };
  }

  /** For ServiceStatus: the package's message and the last report of each hook. */
  status(): { message?: string; hooks?: HookReport[] } {
    const hooks = [...this.hooks.values()].sort((a, b) => a.time - b.time);
    return { ...(this.message !== undefined && { message: this.message }), ...(hooks.length > 0 && { hooks }) };
  }
}
