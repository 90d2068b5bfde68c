#!/usr/bin/env node
import { HEARTHD_RESTART_EXIT_CODE, HOST_METHODS, HearthError, errorMessage, installProcessPolicy } from '@hearth/sdk/contract';
import { RpcDispatcher, type Handler } from '@hearth/sdk/rpc';
import { HttpRpcServer } from './rpc/http-server.js';
import { loadOrCreateToken } from './rpc/token.js';
import { HEARTHD_USAGE, parseHostConfig, type HostConfig } from './config.js';
import { assertTraversable, ensureDataDirs, ensureDir, layoutOf, type Layout } from './layout.js';
import { migrateDataDir } from './store/migrate.js';
import { createLogger, type Logger } from './log.js';
import { mountBase } from './base-image.js';
import { bindNosuid, unmount } from './system/mounts.js';
import { StateStore } from './store/state.js';
import { TrustedKeys } from './store/trusted-keys.js';
import { ServiceManager } from './service/manager.js';
import { HostNetwork } from './network/host-network.js';
import { ensureCa } from './network/ca.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { clearStaging, recoverAtBoot } from './service/sweep.js';
import { hostMethods } from './rpc/methods.js';
import { ControlServer } from './rpc/control-server.js';
import { CleanupStack } from './service/cleanup.js';
import { Registries } from './registry/registries.js';
import { RegistryStore } from './registry/store.js';
import { HEARTH_VERSION } from './version.js';
import { startWeb } from './web/start.js';
import { SecretStore } from './secrets/store.js';
import { ResticEngine } from './backup/restic.js';
import { TargetStore } from './backup/targets.js';
import { Backups } from './backup/backups.js';
import { BackupScheduler } from './backup/scheduler.js';
import { finishRestores } from './backup/restore-commit.js';
import { UploadStore } from './store/uploads.js';

export { HEARTH_VERSION };

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${HEARTHD_USAGE}\n`);
    return;
  }
  const config = parseHostConfig(process.argv.slice(2));
  const logger = createLogger({ component: 'hearthd' });
  // Exiting on an uncaught exception leaves services running: the next hearthd adopts them.
  installProcessPolicy(logger);
  if (process.getuid?.() !== 0) {
    throw new HearthError('INVALID_PARAMS', 'hearthd must run as root', { hint: 'run it with sudo or as a systemd service' });
  }
  const layout = layoutOf(config.dataDir);
  await ensureDir(layout.dataDir, 'passage');
  await assertTraversable(layout.dataDir);
  await migrateDataDir(layout, logger);
  await clearStaging(layout, logger);
  await ensureDataDirs(layout);
  // What boot acquires, released in reverse at shutdown, or at once when boot fails half-way.
  const acquired = new CleanupStack();
  const release = (): Promise<void> => acquired.run((error) => logger.warn('a shutdown step failed', { error: errorMessage(error) }));
  try {
    await boot(config, layout, logger, acquired);
  } catch (error) {
    await release();
    throw error;
  }

  let shuttingDown = false;
  const shutdown = (signal: string): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('shutting down', { signal });
    void release().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Mounts, the service manager, the control API, then recovery; each release is pushed as soon as it is owed. */
async function boot(config: HostConfig, layout: Layout, logger: Logger, acquired: CleanupStack): Promise<void> {
  // Everything bound into containers comes from here: setuid bits and device files never count in it.
  await bindNosuid(layout.dataDir);
  acquired.push(() => unmount(layout.dataDir));
  const state = await StateStore.open(layout.stateFile);
  // A restore a killed hearthd left: committed ones are finished, others discarded, before any service starts.
  await finishRestores({ layout, state, secrets: new SecretStore(layout.secretsDir) }, logger);
  const base = await mountBase(layout.baseMount, config.baseImage, logger);
  acquired.push(() => base.release());
  // The bridge and hearth's firewall: removed at shutdown, after every service has stopped. A
  // hearthd that dies leaves them, so running services stay reachable until the next one adopts them.
  let network: HostNetwork | null = null;
  if (config.network.mode === 'bridge') {
    const opened = await HostNetwork.open(config.network.subnet, logger);
    acquired.push(() => opened.close());
    network = opened;
  }
  // hearth's CA, made on first boot in a host-only dir: http interfaces are offered over TLS too.
  const caDir = join(layout.dataDir, 'ca');
  await ensureDir(caDir, 'host');
  const ca = await ensureCa(caDir, hostname());
  const bindIp = config.bindAddress === '0.0.0.0' || config.bindAddress === '::' ? [] : [config.bindAddress];
  const tls = { ca, certsDir: join(caDir, 'certs'), names: { dns: ['localhost', hostname(), `${hostname()}.local`], ips: [...new Set(['127.0.0.1', ...bindIp])] } };
  const manager = await ServiceManager.open({
    network,
    tls,
    layout,
    state,
    logger,
    bindAddress: config.bindAddress,
    portBase: config.portBase,
    baseRootfs: base.path,
    maxPackageBytes: config.maxPackageBytes,
  });
  acquired.push(() => manager.stopAll());
  // Backups: restic, its cache and the targets' passwords in a root-only dir (SECURITY.md).
  const backupDir = join(layout.dataDir, 'backup');
  const engine = new ResticEngine({ cacheDir: join(backupDir, 'cache') });
  const targets = new TargetStore(backupDir, engine);
  await targets.ensureDirs();
  const backups = new Backups(manager, targets, engine);
  const scheduler = new BackupScheduler(backups);
  // Package files sent to the dashboard, until package.install {upload} takes one.
  const uploads = await UploadStore.open(join(config.dataDir, 'uploads'), config.maxPackageBytes);
  // Registries: their keys and anti-rollback floors, and downloads being resumed, root-only.
  const registries = new Registries(await RegistryStore.open(join(config.dataDir, 'registries.json')), {
    list: () => manager.list(),
    install: (path, options) => manager.install(path, options),
    emit: (event) => manager.events.emit(event),
  }, join(config.dataDir, 'downloads'), HEARTH_VERSION);
  const implementation = hostMethods(manager, new TrustedKeys(state), {
    version: HEARTH_VERSION,
    pid: process.pid,
    dataDir: config.dataDir,
    socket: config.socketPath,
    bindAddress: config.bindAddress,
    baseImage: config.baseImage,
    startedAt: new Date().toISOString(),
  }, backups, scheduler, uploads, registries, () => restartLeavingServices(logger));
  const methods: Record<string, Handler> = {};
  for (const name of HOST_METHODS) methods[name] = implementation[name];
  const control = await ControlServer.listen(config.socketPath, methods, logger);
  acquired.push(() => control.close());
  // The HTTP API and the dashboard serve the socket's methods through one dispatcher: no second API.
  const dispatcher = new RpcDispatcher();
  for (const [name, handler] of Object.entries(methods)) dispatcher.addMethod(name, handler);
  if (config.web) {
    const web = await startWeb({ ...config.web, dataDir: config.dataDir, dispatcher, uploads, ca, certsDir: tls.certsDir, logger });
    if (web) acquired.push(() => web.close());
  }
  if (config.tcp) {
    const http = await HttpRpcServer.listen(config.tcp.host, config.tcp.port, await loadOrCreateToken(config.tcp.tokenFile), dispatcher, uploads);
    acquired.push(() => http.close());
    logger.info('serving the API over HTTP', { address: `${config.tcp.host}:${config.tcp.port}`, tokenFile: config.tcp.tokenFile });
  }
  logger.info('hearthd ready', { socket: config.socketPath, dataDir: config.dataDir, base: config.baseImage });

  // Containers left running by a hearthd that died are adopted; services that should run come back.
  await recoverAtBoot(manager, state, layout, logger);
  // Scheduled backups once services are back (a cold one would find them stopped); missed runs run now.
  scheduler.start();
  acquired.push(() => Promise.resolve(scheduler.stop()));
}

/** Time for the answer to `server.restart` to reach its caller before hearthd exits. */
const RESTART_REPLY_MS = 200;

/**
 * Exits without releasing anything: services keep running with their addresses, rules and host
 * ports (DNAT answers on), mounts stay, and the next hearthd adopts all of it, as after a crash.
 */
function restartLeavingServices(logger: Logger): void {
  setTimeout(() => {
    logger.info('restarting: services keep running; the next hearthd adopts them', { exitCode: HEARTHD_RESTART_EXIT_CODE });
    process.exit(HEARTHD_RESTART_EXIT_CODE);
  }, RESTART_REPLY_MS);
}

main().catch((error: unknown) => {
  const hint = error instanceof HearthError && error.hint ? `\n  hint: ${error.hint}` : '';
  process.stderr.write(`hearthd: ${errorMessage(error)}${hint}\n`);
  process.exit(error instanceof HearthError && error.code === 'INVALID_PARAMS' ? 2 : 1);
});
