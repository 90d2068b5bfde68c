import { execa } from 'execa';
import { join } from 'node:path';
import {
  DEFAULT_EXEC_TIMEOUT_MS,
  HearthError,
  errorMessage,
  installProcessPolicy,
  type DaemonStatus,
  type ExecParams,
  type FileTarget,
  type LogEntry,
  type PackageActions,
  type RuntimeMethods,
} from '@hearth/sdk/contract';
import { fetchFile, inside, putFile } from './files/transfer.js';
import type { Handler } from '@hearth/sdk/rpc';
import { HostConnection } from './rpc/host-connection.js';
import { createLogger } from '@hearth/sdk/system';
import { runtimePaths } from './paths.js';
import { loadPackage } from './package/load.js';
import { DaemonManager } from './daemons/manager.js';
import { InterfaceSockets } from './relay/interfaces.js';

export const RUNTIME_VERSION = '0.1.0';
export const IP_TIMEOUT_MS = 5_000;

const logger = createLogger({ component: 'runtime' });
installProcessPolicy(logger);

async function main(): Promise<void> {
  const paths = runtimePaths();
  // The container's only network is loopback, and it starts down. Up by the time daemons start;
  // meanwhile the host connection opens and the package loads.
  const loopbackUp = execa('ip', ['link', 'set', 'lo', 'up'], { timeout: IP_TIMEOUT_MS }).then(
    () => undefined,
    (error: unknown) => {
      throw new HearthError('CONTAINER_FAILED', `cannot bring the container's loopback up: ${errorMessage(error)}`);
    },
  );
  loopbackUp.catch(() => undefined); // reported to the host by runtime.start, which awaits it

  const methods: Record<string, Handler> = {};
  const host = new HostConnection(paths.hostSocket, methods, { runtimeVersion: RUNTIME_VERSION, pid: process.pid }, logger);
  const events = {
    onStatus: (status: DaemonStatus) => host.notify('runtime.daemonState', status),
    onLog: (entry: LogEntry) => host.notify('runtime.log', entry),
  };
  // The package's code runs at import and may hang or allocate there, so it is loaded only after
  // the hello: hearthd then tells a package stuck at load (runtime.loaded unanswered) from a
  // runtime that never started. A package that fails to load is reported through runtime.start.
  let manager: DaemonManager | null = null;
  let actions: PackageActions | null = null;
  let sockets: InterfaceSockets | null = null;
  let loadError: unknown = null;
  let startLoading!: () => void;
  const loading = new Promise<void>((resolve) => (startLoading = resolve)).then(async () => {
    try {
      const pkg = await loadPackage(paths.packageDir);
      manager = new DaemonManager(pkg.daemons, pkg.images, paths, events, logger);
      actions = pkg.actions;
      sockets = await InterfaceSockets.listen(paths.socketsDir, pkg.manifest.interfaces);
    } catch (error) {
      loadError = error;
      logger.error('cannot load the package', { error: errorMessage(error) });
    }
  });
  const loaded = async (): Promise<DaemonManager> => {
    await loading;
    if (manager === null) throw loadError;
    return manager;
  };
  const fileTarget = async (target: FileTarget): Promise<string> => {
    if ('volume' in target) return await inside(join(paths.volumesDir, target.volume), target.path);
    const root = (await loaded()).daemon(target.daemon).rootDir;
    if (root === null) throw new HearthError('SERVICE_NOT_RUNNING', `daemon ${target.daemon} is not running`, { hint: 'start the service, or copy into a volume' });
    return await inside(root, target.path);
  };

  Object.assign(methods, {
    'runtime.loaded': async () => {
      await loading;
      return { ok: manager !== null };
    },
    'runtime.start': async () => {
      await loopbackUp;
      return { daemons: await (await loaded()).start() };
    },
    'runtime.stop': async () => ({ daemons: manager ? await manager.stop() : [] }),
    'runtime.status': () => ({ phase: manager?.phase ?? 'loaded', daemons: manager?.statuses() ?? [] }),
    'runtime.stats': async () => ({ daemons: (await manager?.usage()) ?? [] }),
    'runtime.exec': async (params: unknown) => {
      const p = params as ExecParams;
      return await (await loaded())
        .daemon(p.daemon)
        .exec(p.command, p.env ?? {}, p.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS, (stream, data) => host.notify('runtime.execOutput', { execId: p.execId, stream, data }));
    },
    'runtime.listActions': async () => {
      await loading;
      return { actions: actions?.list() ?? [] };
    },
    'runtime.runAction': async (params: unknown) => {
      const p = params as RuntimeMethods['runtime.runAction']['params'];
      const daemons = await loaded();
      if (actions === null) throw new HearthError('INVALID_PARAMS', 'this package has no actions');
      // An action's commands run like `hearth exec`, output collected instead of streamed.
      const run = actions.run(p.action, p.input, async (daemon, command, options = {}) => {
        let stdout = '';
        let stderr = '';
        const result = await daemons.daemon(daemon).exec(command, options.env ?? {}, options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS, (stream, data) => {
          if (stream === 'stdout') stdout += data;
          else stderr += data;
        });
        return { exitCode: result.exitCode, stdout, stderr };
      });
      try {
        return await run;
      } catch (error) {
        if (error instanceof HearthError) throw error;
        throw new HearthError('ACTION_FAILED', `action ${p.action} failed: ${errorMessage(error)}`, { hint: 'see the service logs' });
      }
    },
    'runtime.putFile': async (params: unknown) => {
      const p = params as RuntimeMethods['runtime.putFile']['params'];
      return { size: await putFile(await fileTarget(p), Buffer.from(p.contentBase64, 'base64'), p.mode) };
    },
    'runtime.fetchFile': async (params: unknown) => {
      const content = await fetchFile(await fileTarget(params as FileTarget));
      return { contentBase64: content.toString('base64'), size: content.length };
    },
  } satisfies Record<string, Handler>);

  let shuttingDown: Promise<void> | null = null;
  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info('shutting down', { reason });
      host.close();
      await manager?.stop().catch((error: unknown) => logger.error('stop failed', { error: errorMessage(error) }));
      await sockets?.close();
      process.exit(0);
    })();
    return shuttingDown;
  };
  // init.lxc forwards lxc-stop's SIGTERM. Losing hearthd is not a reason to stop: it adopts us when it is back.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const serviceId = await host.connect();
  logger.info('connected to hearthd', { service: serviceId, startupMs: Math.round(performance.now()) });
  startLoading();
  await loading;
  logger.info('package loaded', { daemons: (manager as DaemonManager | null)?.statuses().map((d) => d.id) ?? [], startupMs: Math.round(performance.now()) });
}

main().catch((error: unknown) => {
  logger.error('runtime failed', { error: errorMessage(error) });
  process.exit(1);
});
