import { join } from 'node:path';
import { DEFAULT_EXEC_TIMEOUT_MS, HearthError, errorMessage, type FileTarget, type PackageActions, type RuntimeHandlers, type RuntimeNotifications } from '@hearth/sdk/contract';
import type { Handler } from '@hearth/sdk/rpc';
import type { DaemonManager } from '../daemons/manager.js';
import { ExecRegistry } from '../daemons/exec.js';
import { fetchFile, inside, putFile } from '../files/transfer.js';
import type { RuntimePaths } from '../paths.js';

/** What the handlers need of the runtime around them. */
export interface HandlerContext {
  paths: RuntimePaths;
  /** Settles once the package has loaded (or failed to). */
  loading: Promise<void>;
  /** The manager once loaded; throws the load error otherwise. */
  loaded(): Promise<DaemonManager>;
  /** Null before the package has loaded, or when it failed to. */
  manager(): DaemonManager | null;
  actions(): PackageActions | null;
  loopbackUp: Promise<void>;
  notify<M extends keyof RuntimeNotifications>(method: M, params: RuntimeNotifications[M]): void;
}

/** Every method of the contract's RuntimeMethods: one missing or renamed fails to compile. */
export function runtimeHandlers(ctx: HandlerContext): RuntimeHandlers {
  const execs = new ExecRegistry();
  const fileTarget = async (target: FileTarget): Promise<string> => {
    if ('volume' in target) return await inside(join(ctx.paths.volumesDir, target.volume), target.path);
    const daemon = (await ctx.loaded()).daemon(target.daemon);
    const root = daemon.rootDir;
    if (root === null) throw new HearthError('SERVICE_NOT_RUNNING', `${daemon.label} is not running`, { hint: 'start the service, or copy into a volume' });
    return await inside(root, target.path);
  };
  return {
    'runtime.loaded': async () => {
      await ctx.loading;
      return { ok: ctx.manager() !== null };
    },
    'runtime.start': async () => {
      await ctx.loopbackUp;
      return { daemons: await (await ctx.loaded()).start() };
    },
    'runtime.stop': async () => ({ daemons: (await ctx.manager()?.stop()) ?? [] }),
    // Issue 13, under way: reconfiguration and one-off processes land with the runtime's side of it.
    'runtime.reconfigure': () => {
      throw new HearthError('INTERNAL', 'this runtime cannot reconfigure a service yet', { hint: 'restart the service to apply the change' });
    },
    'runtime.run': () => {
      throw new HearthError('INTERNAL', 'this runtime cannot run one-off processes yet', { hint: 'update hearth' });
    },
    'runtime.status': () => {
      const manager = ctx.manager();
      return { phase: manager?.phase ?? 'loaded', daemons: manager?.statuses() ?? [] };
    },
    'runtime.stats': async () => ({ daemons: (await ctx.manager()?.usage()) ?? [] }),
    'runtime.exec': async (p) => {
      const daemon = (await ctx.loaded()).daemon(p.daemon);
      const request = { command: p.command, env: p.env ?? {}, timeoutMs: p.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS, ...(p.user !== undefined && { user: p.user }) };
      return await execs.run(p.execId, (signal) => daemon.exec(request, (stream, data) => ctx.notify('runtime.execOutput', { execId: p.execId, stream, data }), signal));
    },
    'runtime.cancelExec': (p) => ({ cancelled: execs.cancel(p.execId) }),
    'runtime.listActions': async () => {
      await ctx.loading;
      return { actions: ctx.actions()?.list() ?? [] };
    },
    'runtime.runAction': async (p) => {
      const daemons = await ctx.loaded();
      const actions = ctx.actions();
      if (actions === null) throw new HearthError('INVALID_PARAMS', 'this package has no actions');
      // An action's commands run like `hearth exec`, output collected instead of streamed.
      const run = actions.run(p.action, p.input, async (daemon, command, options = {}) => {
        let stdout = '';
        let stderr = '';
        const request = { command, env: options.env ?? {}, timeoutMs: options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS };
        const result = await daemons.daemon(daemon).exec(request, (stream, data) => (stream === 'stdout' ? (stdout += data) : (stderr += data)), new AbortController().signal);
        return { exitCode: result.exitCode, stdout, stderr };
      });
      try {
        return await run;
      } catch (error) {
        if (error instanceof HearthError) throw error; // of any copy of the SDK: it keeps its code
        throw new HearthError('ACTION_FAILED', `action ${p.action} failed: ${errorMessage(error)}`, { hint: 'see the service logs' });
      }
    },
    'runtime.putFile': async (p) => ({ size: await putFile(await fileTarget(p), Buffer.from(p.contentBase64, 'base64'), p.mode) }),
    'runtime.fetchFile': async (p) => {
      const content = await fetchFile(await fileTarget(p));
      return { contentBase64: content.toString('base64'), size: content.length };
    },
  };
}

/** The handlers as the RPC peer takes them (params arrive from hearthd, which the contract types). */
export function asRpcMethods(handlers: RuntimeHandlers): Record<string, Handler> {
  const methods: Record<string, Handler> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, (params: unknown) => unknown][]) methods[name] = (params) => handler(params);
  return methods;
}
