import { join } from 'node:path';
import { DEFAULT_EXEC_TIMEOUT_MS, HearthError, type FileTarget, type RuntimeHandlers, type RuntimeNotifications } from '@hearth/sdk/contract';
import type { Handler } from '@hearth/sdk/rpc';
import type { Service } from '../package/service.js';
import { ExecRegistry } from '../daemons/exec.js';
import { fetchFile, inside, putFile } from '../files/transfer.js';
import type { RuntimePaths } from '../paths.js';

/** What the handlers need of the runtime around them. */
export interface HandlerContext {
  paths: RuntimePaths;
  /** Settles once the package has loaded (or failed to). */
  loading: Promise<void>;
  /** The service once loaded; throws the load error otherwise. */
  loaded(): Promise<Service>;
  /** Null before the package has loaded, or when it failed to. */
  service(): Service | null;
  loopbackUp: Promise<void>;
  /**
   * Before a start that follows a stop in the same container (`hearth restart`): what a new
   * container would have afresh, made so again (the shared dirs emptied, the interfaces' sockets).
   */
  renewContainer(): Promise<void>;
  notify<M extends keyof RuntimeNotifications>(method: M, params: RuntimeNotifications[M]): void;
}

/** Every method of the contract's RuntimeMethods: one missing or renamed fails to compile. */
export function runtimeHandlers(ctx: HandlerContext): RuntimeHandlers {
  const execs = new ExecRegistry();
  const fileTarget = async (target: FileTarget): Promise<string> => {
    if ('volume' in target) return await inside(join(ctx.paths.volumesDir, target.volume), target.path);
    const daemon = (await ctx.loaded()).manager.daemon(target.daemon);
    const root = daemon.rootDir;
    if (root === null) throw new HearthError('SERVICE_NOT_RUNNING', `${daemon.label} is not running`, { hint: 'start the service, or copy into a volume' });
    return await inside(root, target.path);
  };
  return {
    'runtime.loaded': async () => {
      await ctx.loading;
      return { ok: ctx.service() !== null };
    },
    'runtime.start': async (p) => {
      await ctx.loopbackUp;
      const service = await ctx.loaded();
      if (service.manager.phase === 'stopped') await ctx.renewContainer();
      return { daemons: await service.start(p) };
    },
    'runtime.stop': async () => ({ daemons: (await ctx.service()?.stop()) ?? [] }),
    'runtime.reconfigure': async (p) => await (await ctx.loaded()).reconfigure(p.config),
    'runtime.run': async (p) => await (await ctx.loaded()).run(p.image, p.command, p.options ?? {}),
    'runtime.status': () => {
      const manager = ctx.service()?.manager;
      return { phase: manager?.phase ?? 'loaded', daemons: manager?.statuses() ?? [] };
    },
    'runtime.hook': async (p) => ({ report: await (await ctx.loaded()).backupHook(p.hook, p.event) }),
    'runtime.stats': async () => ({ daemons: (await ctx.service()?.manager.usage()) ?? [] }),
    'runtime.exec': async (p) => {
      const daemon = (await ctx.loaded()).manager.daemon(p.daemon);
      const request = { command: p.command, env: p.env ?? {}, timeoutMs: p.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS, ...(p.user !== undefined && { user: p.user }) };
      return await execs.run(p.execId, (signal) => daemon.exec(request, (stream, data) => ctx.notify('runtime.execOutput', { execId: p.execId, stream, data }), signal));
    },
    'runtime.cancelExec': (p) => ({ cancelled: execs.cancel(p.execId) }),
    'runtime.listActions': async () => {
      await ctx.loading;
      return { actions: ctx.service()?.actions?.list() ?? [] };
    },
    'runtime.runAction': async (p) => await (await ctx.loaded()).runAction(p.action, p.input),
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
