import { isAbsolute } from 'node:path';
import type { HostMethodName, HostMethods } from '@hearth/sdk/contract';
import type { ServiceManager } from '../service/manager.js';
import { parseParams, serviceId } from './params.js';

type Implementation = { [M in HostMethodName]: (params: unknown) => Promise<HostMethods[M]['result']> | HostMethods[M]['result'] };

/** The control API: every method validates its params here, then calls the manager. */
export function hostMethods(manager: ServiceManager): Implementation {
  return {
    'package.install': async (params) => {
      const p = parseParams('package.install', params, {
        path: { kind: 'string', check: (v: string) => (isAbsolute(v) ? null : 'must be an absolute path on the host') },
      });
      return await manager.install(p.path);
    },
    'package.uninstall': async (params) => {
      const p = parseParams('package.uninstall', params, { id: serviceId, purge: { kind: 'boolean', optional: true } });
      await manager.uninstall(p.id, p.purge ?? false);
      return { id: p.id };
    },
    'package.list': (params) => {
      parseParams('package.list', params, {});
      return { packages: manager.list() };
    },
    'service.start': async (params) => {
      const p = parseParams('service.start', params, {
        id: serviceId,
        waitReady: { kind: 'boolean', optional: true },
        timeoutMs: { kind: 'number', optional: true, check: (v: number) => (v > 0 && v <= 3_600_000 ? null : 'expected 1..3600000') },
      });
      return await manager.start(p.id, p.waitReady ?? false, p.timeoutMs);
    },
    'service.stop': async (params) => {
      const p = parseParams('service.stop', params, { id: serviceId });
      return await manager.stop(p.id);
    },
    'service.status': (params) => {
      const p = parseParams('service.status', params, { id: serviceId });
      return manager.status(p.id);
    },
  };
}
