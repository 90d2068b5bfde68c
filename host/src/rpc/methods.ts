import { isAbsolute } from 'node:path';
import { HEARTHD_RESTART_EXIT_CODE, HearthError, type HostMethodName, type HostMethods, type HostNotifications, type ServerInfo } from '@hearth/sdk/contract';
import type { RpcCaller } from '@hearth/sdk/rpc';
import type { ServiceManager } from '../service/manager.js';
import type { TrustedKeys } from '../store/trusted-keys.js';
import type { UploadStore } from '../store/uploads.js';
import { parseParams, serviceId, serviceIdOptional } from './params.js';
import { MAX_LOG_LIMIT } from '../logs/read-logs.js';
import type { Backups } from '../backup/backups.js';
import type { BackupScheduler } from '../backup/scheduler.js';
import { backupMethods } from './backup-methods.js';
import type { Registries } from '../registry/registries.js';
import { registryMethods } from './registry-methods.js';

type Implementation = {
  [M in HostMethodName]: (params: unknown, caller: RpcCaller) => Promise<HostMethods[M]['result']> | HostMethods[M]['result'];
};

export const DEFAULT_LOG_LIMIT = 200;
/** `--user` of exec: a name (as useradd allows) or a uid, then optionally `:` and a group name or gid. */
export const EXEC_USER = /^(?:[a-z_][a-z0-9_.-]{0,31}|\d{1,10})(?::(?:[a-z_][a-z0-9_.-]{0,31}|\d{1,10}))?$/;

/** More than any manifest declares (128 settings). */
const MAX_SETTINGS_PER_CALL = 256;
const secretName = { kind: 'string', check: (v: string) => (/^[a-z][a-z0-9-]{0,62}$/.test(v) ? null : 'expected a secret name: lowercase letters, digits and dashes') } as const;

const absolutePath = (v: string): string | null => (v.startsWith('/') ? null : 'expected an absolute path as the daemon sees it');

/** The control API: every method validates its params here, then calls the manager. */
export function hostMethods(
  manager: ServiceManager,
  trust: TrustedKeys,
  server: Omit<ServerInfo, 'services'>,
  backups: Backups,
  scheduler: BackupScheduler,
  uploads: UploadStore,
  registries: Registries,
  restart: () => void,
): Implementation {
  return {
    ...backupMethods(backups, scheduler),
    ...registryMethods(registries),
    'server.info': (params) => {
      parseParams('server.info', params, {});
      return { ...server, services: { installed: manager.list().length, running: manager.runningCount } };
    },
    'server.restart': (params) => {
      parseParams('server.restart', params, {});
      restart();
      return { pid: server.pid, exitCode: HEARTHD_RESTART_EXIT_CODE };
    },
    'package.info': (params) => {
      const p = parseParams('package.info', params, { id: serviceId });
      return manager.info(p.id);
    },
    'package.install': async (params) => {
      const p = parseParams('package.install', params, {
        path: { kind: 'string', optional: true, check: (v: string) => (isAbsolute(v) ? null : 'must be an absolute path on the host') },
        upload: { kind: 'string', optional: true },
        allowUntrusted: { kind: 'boolean', optional: true },
        expectId: serviceIdOptional,
      });
      if ((p.path === undefined) === (p.upload === undefined)) {
        throw new HearthError('INVALID_PARAMS', 'package.install: give either "path" (a file on the host) or "upload" (what POST /api/upload answered)', { hint: 'see host/README.md for the method reference' });
      }
      const beforeUpdate = (id: string): Promise<void> => backups.beforeUpdate(id);
      if (p.path !== undefined) return await manager.install(p.path, { allowUntrusted: p.allowUntrusted, expectId: p.expectId, beforeUpdate });
      // An upload is consumed by the install that succeeds; a refused one stays for a retry (after trusting its publisher).
      const installed = await manager.install(uploads.pathOf(p.upload!), { allowUntrusted: p.allowUntrusted, expectId: p.expectId, beforeUpdate });
      await uploads.remove(p.upload!);
      return installed;
    },
    'package.uninstall': async (params) => {
      const p = parseParams('package.uninstall', params, { id: serviceId, purge: { kind: 'boolean', optional: true } });
      await manager.uninstall(p.id, p.purge ?? false);
      return { id: p.id };
    },
    'package.list': (params) => {
      parseParams('package.list', params, {});
      const progress = manager.bulk.progress();
      return { packages: manager.list(), ...(progress !== null && { progress }) };
    },
    'service.startAll': async (params) => {
      const p = parseParams('service.startAll', params, {
        waitReady: { kind: 'boolean', optional: true },
        timeoutMs: { kind: 'number', optional: true, check: (v: number) => (v > 0 && v <= 3_600_000 ? null : 'expected 1..3600000') },
      });
      const all = manager.bulk.startAll(undefined, p.timeoutMs);
      if (p.waitReady === true) return await all;
      all.catch(() => undefined); // each failure is logged and shown by `hearth ls`
      return { services: manager.list().map((s) => manager.status(s.id)), failed: [] };
    },
    'service.start': async (params) => {
      const p = parseParams('service.start', params, {
        id: serviceId,
        waitReady: { kind: 'boolean', optional: true },
        timeoutMs: { kind: 'number', optional: true, check: (v: number) => (v > 0 && v <= 3_600_000 ? null : 'expected 1..3600000') },
      });
      return await manager.start(p.id, p.waitReady ?? false, p.timeoutMs);
    },
    'server.ca': async (params) => {
      parseParams('server.ca', params, {});
      return await manager.caCertificate();
    },
    'network.rules': (params) => {
      parseParams('network.rules', params, {});
      return manager.networkRules();
    },
    'service.setOutbound': async (params) => {
      const p = parseParams('service.setOutbound', params, { id: serviceId, outbound: { kind: 'boolean' } });
      return await manager.setOutbound(p.id, p.outbound);
    },
    'service.stop': async (params) => {
      const p = parseParams('service.stop', params, { id: serviceId });
      return await manager.stop(p.id);
    },
    'service.stats': async (params) => {
      const p = parseParams('service.stats', params, { id: serviceIdOptional });
      return { services: await manager.operations.stats(p.id) };
    },
    'service.status': async (params) => {
      const p = parseParams('service.status', params, { id: serviceId });
      return await manager.statusProbed(p.id);
    },
    'service.logs': async (params, caller) => {
      const p = parseParams('service.logs', params, {
        id: serviceId,
        daemon: { kind: 'string', optional: true },
        since: { kind: 'number', optional: true, check: (v: number) => (v >= 0 ? null : 'expected ms since the epoch') },
        limit: { kind: 'number', optional: true, check: (v: number) => (Number.isInteger(v) && v >= 0 && v <= MAX_LOG_LIMIT ? null : `expected an integer 0..${MAX_LOG_LIMIT}`) },
        follow: { kind: 'boolean', optional: true },
      });
      const query = { daemon: p.daemon, since: p.since };
      if (p.follow) {
        // Subscribe before reading, so no line falls between the read and the subscription.
        const buffered: HostNotifications['service.log'][] = [];
        let live = false;
        const unsubscribe = manager.operations.followLogs(p.id, query, (entry) => {
          const note = { id: p.id, entry };
          if (live) caller.notify('service.log', note);
          else buffered.push(note);
        });
        void caller.closed.then(unsubscribe);
        const entries = await manager.operations.logs(p.id, { ...query, limit: p.limit ?? DEFAULT_LOG_LIMIT });
        const lastTime = entries.at(-1)?.time ?? -1;
        setImmediate(() => {
          for (const note of buffered) if (note.entry.time > lastTime) caller.notify('service.log', note);
          live = true;
        });
        return { entries };
      }
      return { entries: await manager.operations.logs(p.id, { ...query, limit: p.limit ?? DEFAULT_LOG_LIMIT }) };
    },
    'service.restart': async (params) => {
      const p = parseParams('service.restart', params, {
        id: serviceId,
        waitReady: { kind: 'boolean', optional: true },
        full: { kind: 'boolean', optional: true },
        timeoutMs: { kind: 'number', optional: true, check: (v: number) => (v > 0 && v <= 3_600_000 ? null : 'expected 1..3600000') },
      });
      return await manager.restart(p.id, p.waitReady ?? false, p.timeoutMs, p.full ?? false);
    },
    'service.exec': async (params, caller) => {
      const p = parseParams('service.exec', params, {
        id: serviceId,
        daemon: { kind: 'string', optional: true },
        command: { kind: 'string[]', check: (v: string[]) => (v.length > 0 ? null : 'expected at least the program to run') },
        env: { kind: 'env', optional: true },
        timeoutMs: { kind: 'number', optional: true, check: (v: number) => (v > 0 && v <= 3_600_000 ? null : 'expected 1..3600000') },
        user: { kind: 'string', optional: true, check: (v: string) => (EXEC_USER.test(v) ? null : 'expected a user name or uid, optionally :group or :gid, like www-data, 0 or 1000:1000') },
      });
      const { id, ...exec } = p;
      // The caller hanging up (Ctrl-C on `hearth exec`) ends the command instead of leaving it running.
      const hangup = new AbortController();
      void caller.closed.then(() => hangup.abort());
      return await manager.operations.exec(id, exec, (output) => caller.notify('service.execOutput', output), hangup.signal);
    },
    'service.put': async (params) => {
      const p = parseParams('service.put', params, {
        id: serviceId,
        daemon: { kind: 'string', optional: true },
        volume: { kind: 'string', optional: true },
        path: { kind: 'string', check: absolutePath },
        contentBase64: { kind: 'string' },
        mode: { kind: 'number', optional: true, check: (v: number) => (Number.isInteger(v) && v >= 0 && v <= 0o7777 ? null : 'expected a file mode like 420 (0o644)') },
      });
      return await manager.operations.putFile(p.id, p, p.contentBase64, p.mode);
    },
    'service.fetch': async (params) => {
      const p = parseParams('service.fetch', params, {
        id: serviceId,
        daemon: { kind: 'string', optional: true },
        volume: { kind: 'string', optional: true },
        path: { kind: 'string', check: absolutePath },
      });
      return await manager.operations.fetchFile(p.id, p);
    },
    'action.list': async (params) => {
      const p = parseParams('action.list', params, { id: serviceId });
      return await manager.operations.listActions(p.id);
    },
    'action.run': async (params) => {
      const p = parseParams('action.run', params, {
        id: serviceId,
        action: { kind: 'string' },
        input: { kind: 'input', optional: true },
      });
      return await manager.operations.runAction(p.id, p.action, p.input ?? {});
    },
    'trust.add': async (params) => {
      const p = parseParams('trust.add', params, { publicKey: { kind: 'string' }, name: { kind: 'string', optional: true } });
      return await trust.add(p.publicKey, p.name ?? '');
    },
    'trust.list': (params) => {
      parseParams('trust.list', params, {});
      return { keys: trust.list() };
    },
    'trust.remove': async (params) => {
      const p = parseParams('trust.remove', params, { fingerprint: { kind: 'string', check: (v: string) => (/^[0-9a-f]{64}$/.test(v) ? null : 'expected 64 hex digits') } });
      await trust.remove(p.fingerprint);
      return { fingerprint: p.fingerprint };
    },
    'config.get': (params) => {
      const p = parseParams('config.get', params, { id: serviceId });
      return manager.configs.get(p.id);
    },
    'config.set': async (params) => {
      const p = parseParams('config.set', params, { id: serviceId, values: { kind: 'input', check: (v: Record<string, unknown>) => (Object.keys(v).length <= MAX_SETTINGS_PER_CALL ? null : `expected at most ${MAX_SETTINGS_PER_CALL} settings`) } });
      return await manager.configs.set(p.id, p.values);
    },
    'secret.list': async (params) => {
      const p = parseParams('secret.list', params, { id: serviceId });
      return { secrets: await manager.configs.listSecrets(p.id) };
    },
    'secret.set': async (params) => {
      // `value` has no check here: a refused value must never be quoted back (service-config.ts checks its length).
      const p = parseParams('secret.set', params, { id: serviceId, name: secretName, value: { kind: 'string' } });
      return await manager.configs.setSecret(p.id, p.name, p.value);
    },
    'secret.rotate': async (params) => {
      const p = parseParams('secret.rotate', params, { id: serviceId, name: secretName });
      return await manager.configs.rotateSecret(p.id, p.name);
    },
    'events.subscribe': (params, caller) => {
      const p = parseParams('events.subscribe', params, { services: { kind: 'string[]', optional: true } });
      const only = p.services === undefined ? null : new Set(p.services);
      const unsubscribe = manager.subscribe((event) => {
        const id = event.type === 'service.status' ? event.status.id : event.type === 'install.progress' ? null : event.id;
        if (only === null || id === null || only.has(id)) caller.notify('event', event);
      });
      void caller.closed.then(unsubscribe);
      return { subscribed: true as const };
    },
  };
}
