import { DEPENDENCIES_KEY, HearthError, errorMessage, installProcessPolicy, type DaemonStatus, type LogEntry, type Manifest } from '@hearth/sdk/contract';
import { createLogger, type Logger } from '@hearth/sdk/system';
import type { Handler } from '@hearth/sdk/rpc';
import { HostConnection } from './rpc/host-connection.js';
import { asRpcMethods, runtimeHandlers } from './rpc/handlers.js';
import { runtimePaths } from './paths.js';
import { loadPackage } from './package/load.js';
import { Service } from './package/service.js';
import { realDaemonDeps } from './daemons/deps.js';
import { serviceNetwork } from './mounts/network-identity.js';
import { openRunDir } from './mounts/ownership.js';
import { secretsMountPoint } from './secrets/tmpfs.js';
import { ConsoleRedaction } from './secrets/console-redaction.js';
import { InterfaceSockets } from './relay/interfaces.js';
import { clearSharedDirs } from './mounts/shared-dirs.js';
import { runChecked } from './commands/run-command.js';

export const RUNTIME_VERSION = '0.1.0';
export const IP_TIMEOUT_MS = 5_000;

/**
 * The runtime's whole life, from the hello to the exit. Called by `main.ts`, or by the loader after
 * the base's V8 startup snapshot (`snapshot-entry.ts`) was deserialized: nothing here runs at import,
 * so the snapshot holds the evaluated modules and no process state.
 */
export function runRuntime(): void {
  // Before anything can print: the console is runtime.log on the host.
  const redaction = new ConsoleRedaction();
  redaction.install([process.stdout, process.stderr]);
  const logger = createLogger({ component: 'runtime' });
  installProcessPolicy(logger);
  main(logger, redaction).catch((error: unknown) => {
    logger.error('runtime failed', { error: errorMessage(error) });
    process.exit(1);
  });
}

async function main(logger: Logger, redaction: ConsoleRedaction): Promise<void> {
  const paths = runtimePaths();
  // The container's only network is loopback, and it starts down. Up by the time daemons start;
  // meanwhile the host connection opens and the package loads.
  const loopbackUp = runChecked('ip', ['link', 'set', 'lo', 'up'], { timeoutMs: IP_TIMEOUT_MS }).then(
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
  let service: Service | null = null;
  let sockets: InterfaceSockets | null = null;
  let interfaces: Manifest['interfaces'] = {};
  let loadError: unknown = null;
  let serviceId = '';
  let startLoading!: () => void;
  const loading = new Promise<void>((resolve) => (startLoading = resolve)).then(async () => {
    try {
      // What hearthd said of the network, first: package code asks for its dependencies' addresses
      // (dependencyAddress) while it loads.
      const network = await serviceNetwork(paths.networkFile, serviceId);
      (globalThis as Record<symbol, unknown>)[DEPENDENCIES_KEY] = Object.freeze(network.dependencies);
      const pkg = await loadPackage(paths.packageDir, paths.settingsFile);
      // /run is every daemon's, whatever its user: sticky and writable by all, as on any Linux system.
      await openRunDir(paths.runDir);
      await secretsMountPoint(paths.runDir);
      service = new Service(pkg, {
        paths,
        identity: network.identity,
        deps: realDaemonDeps(),
        events,
        onHookReport: (report) => host.notify('runtime.hookReport', report),
        onMessage: (text) => host.notify('runtime.message', { text }),
        onSecrets: (secrets) => redaction.learn(secrets),
        logger,
      });
      interfaces = pkg.manifest.interfaces;
      sockets = await InterfaceSockets.listen(paths.socketsDir, interfaces);
    } catch (error) {
      loadError = error;
      logger.error('cannot load the package', { error: errorMessage(error) });
    }
  });
  const loaded = async (): Promise<Service> => {
    await loading;
    if (service === null) throw loadError;
    return service;
  };
  Object.assign(
    methods,
    asRpcMethods(
      runtimeHandlers({
        paths,
        loading,
        loaded,
        service: () => service,
        loopbackUp,
        renewContainer: async () => {
          const left = await clearSharedDirs(paths);
          if (left.length > 0) logger.warn('kept what is mounted in the shared dirs', { paths: left });
          // Made again, as at load: a socket the container's root replaced or removed is its own again.
          await sockets?.close();
          sockets = null;
          sockets = await InterfaceSockets.listen(paths.socketsDir, interfaces);
        },
        notify: (method, params) => host.notify(method, params),
      }),
    ),
  );

  let shuttingDown: Promise<void> | null = null;
  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info('shutting down', { reason });
      host.close();
      await service?.stop().catch((error: unknown) => logger.error('stop failed', { error: errorMessage(error) }));
      await sockets?.close();
      process.exit(0);
    })();
    return shuttingDown;
  };
  // init.lxc forwards lxc-stop's SIGTERM. Losing hearthd is not a reason to stop: it adopts us when it is back.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  serviceId = await host.connect();
  logger.info('connected to hearthd', { service: serviceId, startupMs: Math.round(performance.now()) });
  startLoading();
  await loading;
  logger.info('package loaded', { daemons: (service as Service | null)?.manager.statuses().map((d) => d.id) ?? [], startupMs: Math.round(performance.now()) });
}
