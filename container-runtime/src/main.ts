import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import {
  HearthError,
  errorMessage,
  type DaemonStatus,
  type ExecParams,
  type FileTarget,
  type HostMethodsForRuntime,
  type LogEntry,
  type RuntimeMethods,
} from '@hearth/sdk/contract';
import { fetchFile, inside, putFile } from './files/transfer.js';
import { createRpcPeer, type RpcPeer } from '@hearth/sdk/rpc';
import { createLogger } from './log.js';
import { runtimePaths } from './paths.js';
import { loadPackage } from './package/load.js';
import { DaemonManager } from './daemons/manager.js';
import { InterfaceSockets } from './relay/interfaces.js';

export const RUNTIME_VERSION = '0.1.0';
export const CONNECT_TIMEOUT_MS = 10_000;
export const CONNECT_RETRY_MS = 50;
export const IP_TIMEOUT_MS = 5_000;
export const EXEC_TIMEOUT_MS = 60_000;

const logger = createLogger({ component: 'runtime' });

async function connectToHost(path: string): Promise<Socket> {
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(path);
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(CONNECT_RETRY_MS);
    }
  }
}

async function main(): Promise<void> {
  const paths = runtimePaths();
  // The container's only network is loopback, and it starts down.
  await execa('ip', ['link', 'set', 'lo', 'up'], { timeout: IP_TIMEOUT_MS });

  const peer: RpcPeer = createRpcPeer(await connectToHost(paths.hostSocket));
  const events = {
    onStatus: (status: DaemonStatus) => peer.notify('runtime.daemonState', status),
    onLog: (entry: LogEntry) => peer.notify('runtime.log', entry),
  };
  // A package that fails to load is reported through runtime.start, where the host can show it.
  let manager: DaemonManager | null = null;
  let sockets: InterfaceSockets | null = null;
  let loadError: unknown = null;
  try {
    const pkg = await loadPackage(paths.packageDir);
    manager = new DaemonManager(pkg.daemons, pkg.images, paths, events, logger);
    sockets = await InterfaceSockets.listen(paths.rpcDir, pkg.manifest.interfaces);
  } catch (error) {
    loadError = error;
    logger.error('cannot load the package', { error: errorMessage(error) });
  }
  const loaded = (): DaemonManager => {
    if (manager === null) throw loadError;
    return manager;
  };

  peer.addMethod('runtime.start', async () => ({ daemons: await loaded().start() }));
  peer.addMethod('runtime.stop', async () => ({ daemons: manager ? await manager.stop() : [] }));
  peer.addMethod('runtime.status', () => ({ daemons: manager?.statuses() ?? [] }));
  peer.addMethod('runtime.exec', async (params) => {
    const p = params as ExecParams;
    return await loaded()
      .daemon(p.daemon)
      .exec(p.command, p.env ?? {}, p.timeoutMs ?? EXEC_TIMEOUT_MS, (stream, data) => peer.notify('runtime.execOutput', { execId: p.execId, stream, data }));
  });
  const fileTarget = (target: FileTarget): string => {
    if ('volume' in target) return inside(join(paths.volumesDir, target.volume), target.path);
    const root = loaded().daemon(target.daemon).rootDir;
    if (root === null) throw new HearthError('SERVICE_NOT_RUNNING', `daemon ${target.daemon} is not running`, { hint: 'start the service, or copy into a volume' });
    return inside(root, target.path);
  };
  peer.addMethod('runtime.putFile', async (params) => {
    const p = params as RuntimeMethods['runtime.putFile']['params'];
    return { size: await putFile(fileTarget(p), Buffer.from(p.contentBase64, 'base64'), p.mode) };
  });
  peer.addMethod('runtime.fetchFile', async (params) => {
    const content = await fetchFile(fileTarget(params as FileTarget));
    return { contentBase64: content.toString('base64'), size: content.length };
  });

  let shuttingDown: Promise<void> | null = null;
  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info('shutting down', { reason });
      await manager?.stop().catch((error: unknown) => logger.error('stop failed', { error: errorMessage(error) }));
      await sockets?.close();
      peer.close();
      process.exit(0);
    })();
    return shuttingDown;
  };
  // init.lxc forwards lxc-stop's SIGTERM; a lost host connection means nobody is in charge of us.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  void peer.closed.then(() => shutdown('the host closed the connection'));

  const hello: HostMethodsForRuntime['runtime.hello']['params'] = { runtimeVersion: RUNTIME_VERSION, pid: process.pid };
  const { serviceId } = await peer.request<HostMethodsForRuntime['runtime.hello']['result']>('runtime.hello', hello);
  logger.info('connected to hearthd', { service: serviceId, daemons: manager?.statuses().map((d) => d.id) ?? [] });
}

main().catch((error: unknown) => {
  logger.error('runtime failed', { error: errorMessage(error) });
  process.exit(1);
});
