import { join } from 'node:path';
import { HearthError, type ActionInfo, type ActionResult, type ExecOutput, type ExecParams, type ExecResult, type FileTarget, type LogEntry, type ServiceUsage } from '@hearth/sdk/contract';
import { readLogs, matches, type LogQuery } from '../logs/read-logs.js';
import { servicePaths } from '../layout.js';
import { cgroupUsage } from '../system/cgroup-usage.js';
import { diskUsage } from '../system/disk-usage.js';
import type { ManagerCore } from './manager-core.js';
import { DAEMON_LOG_FILE, type ServiceRunner } from './runner.js';

/** Operations on a running service (exec, actions, files, usage) and on its logs. */
export class ServiceOperations {
  constructor(private readonly core: ManagerCore) {}

  async exec(id: string, params: Omit<ExecParams, 'execId' | 'daemon'> & { daemon?: string }, onOutput: (output: ExecOutput) => void, signal?: AbortSignal): Promise<ExecResult> {
    const runner = this.core.running(id);
    return await runner.exec({ ...params, daemon: params.daemon ?? runner.defaultDaemon() }, onOutput, signal);
  }

  async listActions(id: string): Promise<{ actions: ActionInfo[] }> {
    return await this.core.running(id).listActions();
  }

  async runAction(id: string, action: string, input: Record<string, unknown>): Promise<ActionResult> {
    const runner = this.core.running(id);
    this.core.options.logger.info('running an action', { service: id, action });
    return await runner.runAction({ action, input });
  }

  /** `volume` if given (one the package declares), else a daemon's filesystem (the named one, or the first). */
  private fileTarget(id: string, runner: ServiceRunner, target: { daemon?: string; volume?: string; path: string }): FileTarget {
    if (target.volume === undefined) return { daemon: target.daemon ?? runner.defaultDaemon(), path: target.path };
    if (target.daemon !== undefined) throw new HearthError('INVALID_PARAMS', 'give a daemon or a volume, not both');
    const { volumes } = this.core.info(id).manifest;
    if (!volumes.includes(target.volume)) {
      throw new HearthError('INVALID_PARAMS', `${id} has no volume ${JSON.stringify(target.volume)}`, { hint: `volumes: ${volumes.join(', ') || 'none'}` });
    }
    return { volume: target.volume, path: target.path };
  }

  async putFile(id: string, target: { daemon?: string; volume?: string; path: string }, contentBase64: string, mode?: number): Promise<{ size: number }> {
    const runner = this.core.running(id);
    return await runner.putFile({ ...this.fileTarget(id, runner, target), contentBase64, ...(mode !== undefined && { mode }) });
  }

  async fetchFile(id: string, target: { daemon?: string; volume?: string; path: string }): Promise<{ contentBase64: string; size: number }> {
    const runner = this.core.running(id);
    return await runner.fetchFile(this.fileTarget(id, runner, target));
  }

  /** Usage of one running service (SERVICE_NOT_RUNNING otherwise), or of every running one. */
  async stats(id?: string): Promise<ServiceUsage[]> {
    const ids = id === undefined ? [...this.core.runners.keys()].sort() : [id];
    const usages: ServiceUsage[] = [];
    if (id !== undefined) this.core.running(id); // not installed, or not running: say so
    for (const service of ids) {
      const runner = this.core.runners.get(service); // stopped meanwhile: left out
      const initPid = runner?.containerPid ?? null;
      const usage = initPid === null ? null : await cgroupUsage(initPid);
      if (runner && usage !== null) usages.push({ id: service, ...usage, daemons: await runner.daemonUsage(), volumes: await this.volumeUsage(service) });
      else if (id !== undefined) throw new HearthError('SERVICE_NOT_RUNNING', `${id} has no running container`, { hint: `start it with \`hearth start ${id}\`` });
    }
    return usages;
  }

  private async volumeUsage(id: string): Promise<ServiceUsage['volumes']> {
    const { volumesDir } = servicePaths(this.core.options.layout, id);
    return await Promise.all(this.core.info(id).manifest.volumes.map(async (volume) => ({ id: volume, bytes: await diskUsage(join(volumesDir, volume)) })));
  }

  async logs(id: string, query: LogQuery): Promise<LogEntry[]> {
    this.core.installed(id);
    return await readLogs(join(servicePaths(this.core.options.layout, id).logsDir, DAEMON_LOG_FILE), query);
  }

  /** Call `listener` with each new log entry of `id` that matches; returns the unsubscribe function. */
  followLogs(id: string, query: Omit<LogQuery, 'limit'>, listener: (entry: LogEntry) => void): () => void {
    this.core.installed(id);
    const onEntry = (entry: LogEntry): void => {
      if (matches(entry, query)) listener(entry);
    };
    return this.core.events.onLog(id, onEntry);
  }
}
