import { HOOK_TIMEOUT_MS, MAX_STATUS_MESSAGE_CHARS, errorMessage, type HookName, type HookReport, type PackageHooks, type RunOptions, type RunOutcome, type ServiceConfig } from '@hearth/sdk/contract';
import type { Logger } from '@hearth/sdk/system';

/** An action's or a hook's command in a daemon, output collected. */
export type CollectedExec = (daemon: string, command: string[], options?: { env?: Record<string, string>; timeoutMs?: number }) => Promise<{ exitCode: number | null; stdout: string; stderr: string }>;

/** What a hook may do, lent by the runtime (the same tools actions get). */
export interface HookTools {
  settings(): ServiceConfig['settings'];
  exec: CollectedExec;
  run: (image: string, command: string[], options?: RunOptions) => Promise<RunOutcome>;
  writeFile: (volume: string, path: string, content: string, options?: { mode?: number }) => Promise<void>;
  setMessage(text: string | null): void;
  report(report: HookReport): void;
}

/** A status message as hearthd takes it: text, at most MAX_STATUS_MESSAGE_CHARS. */
export function statusMessage(text: unknown): string | null {
  if (text === null || text === undefined) return null;
  return (typeof text === 'string' ? text : JSON.stringify(text) ?? '').slice(0, MAX_STATUS_MESSAGE_CHARS);
}

/**
 * Calls the package's hooks. Each call is bounded: one that throws is reported with its error,
 * one that runs past the bound is reported as hung and no longer waited for (package code cannot
 * be cancelled; it finishes, or not, beside the service). Never rejects.
 */
export class HookRunner {
  constructor(
    private readonly hooks: PackageHooks,
    private readonly tools: HookTools,
    private readonly logger: Logger,
    private readonly timeoutMs = HOOK_TIMEOUT_MS,
  ) {}

  has(name: HookName): boolean {
    return this.hooks[name] !== undefined;
  }

  /**
   * Runs the hook if the package has it; resolves with its report (null: no such hook) by the bound
   * at the latest (`timeoutMs`: a backup hook's longer one).
   */
  async fire(name: HookName, event?: unknown, timeoutMs = this.timeoutMs): Promise<HookReport | null> {
    const hook = this.hooks[name];
    if (hook === undefined) return null;
    const { tools } = this;
    const ctx = {
      settings: { ...tools.settings() },
      exec: tools.exec,
      run: tools.run,
      writeFile: tools.writeFile,
      setMessage: (text: string | null) => tools.setMessage(statusMessage(text)),
    };
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      Promise.resolve()
        .then(() => hook(ctx, event))
        .then(
          () => ({ ok: true as const }),
          (error: unknown) => ({ ok: false as const, error: errorMessage(error) }),
        ),
      new Promise<{ ok: false; error: string }>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, error: `it ran past ${timeoutMs} ms and is no longer waited for` }), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const report: HookReport = { hook: name, ok: outcome.ok, ...(!outcome.ok && { error: outcome.error }), durationMs: Date.now() - started, time: Date.now() };

    // Its error goes to hearthd in the report, which redacts secret values; the console
    // (runtime.log, written by LXC) gets only the hook's name: package text may hold a secret.
    if (!outcome.ok) this.logger.warn('a hook failed; see hearth status', { hook: name, durationMs: report.durationMs });
    tools.report(report);
    return report;
  }
}
