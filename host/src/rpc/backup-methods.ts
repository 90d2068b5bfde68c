import { HearthError, type HostMethods } from '@hearth/sdk/contract';
import type { RpcCaller } from '@hearth/sdk/rpc';
import type { Backups } from '../backup/backups.js';
import { TARGET_NAME, checkRepository } from '../backup/targets.js';
import { parseParams, serviceId, serviceIdOptional } from './params.js';
import { ALL_SERVICES, MAX_EVERY_SECONDS, MAX_KEEP, MIN_EVERY_SECONDS, type BackupScheduler } from '../backup/scheduler.js';
import { parseCron } from '../backup/cron.js';

type BackupMethodName = Extract<keyof HostMethods, `backup.${string}`>;
type Implementation = { [M in BackupMethodName]: (params: unknown, caller: RpcCaller) => Promise<HostMethods[M]['result']> };

const targetName = { kind: 'string', check: (v: string) => (TARGET_NAME.test(v) ? null : 'expected a target name: lowercase letters, digits and dashes') } as const;
const targetNameOptional = { ...targetName, optional: true } as const;
/** A snapshot id or a prefix of one (restic's short ids are 8 hex digits). */
const snapshotId = { kind: 'string', optional: true, check: (v: string) => (/^[0-9a-f]{4,64}$/.test(v) ? null : 'expected a snapshot id (4 to 64 hex digits)') } as const;
const MIN_PASSWORD_CHARS = 8;

/** null for a cron expression that parses and can match, else why not. */
function cronProblem(expression: string): string | null {
  try {
    parseCron(expression);
    return null;
  } catch (error) {
    return HearthError.from(error).message;
  }
}
const MAX_PASSWORD_CHARS = 4096;

/** `backup.*`: targets, backups, snapshots, restores; params checked here. A caller hanging up cancels restic. */
export function backupMethods(backups: Backups, scheduler: BackupScheduler): Implementation {
  const hangup = (caller: RpcCaller): AbortSignal => {
    const controller = new AbortController();
    void caller.closed.then(() => controller.abort());
    return controller.signal;
  };
  return {
    'backup.targetAdd': async (params) => {
      // `password` has no check that quotes it: a refused value must never be echoed.
      const p = parseParams('backup.targetAdd', params, { name: targetName, repository: { kind: 'string', check: checkRepository }, password: { kind: 'string', optional: true } });
      if (p.password !== undefined && (p.password.length < MIN_PASSWORD_CHARS || p.password.length > MAX_PASSWORD_CHARS || p.password.includes('\0'))) {
        throw new HearthError('INVALID_PARAMS', `backup.targetAdd: the password must be ${MIN_PASSWORD_CHARS} to ${MAX_PASSWORD_CHARS} characters without NUL`, { hint: 'the repository’s password as `hearth backup target add` showed it' });
      }
      return await backups.targets.add(p.name, p.repository, p.password);
    },
    'backup.targetList': async (params) => {
      parseParams('backup.targetList', params, {});
      return { targets: (await backups.targets.list()).map(({ name, repository, addedAt }) => ({ name, repository, addedAt })) };
    },
    'backup.targetRemove': async (params) => {
      const p = parseParams('backup.targetRemove', params, { name: targetName });
      await backups.targets.remove(p.name);
      return { name: p.name };
    },
    'backup.create': async (params, caller) => {
      const p = parseParams('backup.create', params, { id: serviceId, target: targetName });
      return await backups.create(p.id, p.target, hangup(caller));
    },
    'backup.list': async (params, caller) => {
      const p = parseParams('backup.list', params, { id: serviceIdOptional, target: targetNameOptional });
      return { snapshots: await backups.list(p.id, p.target, hangup(caller)) };
    },
    'backup.restore': async (params) => {
      const p = parseParams('backup.restore', params, {
        id: serviceId,
        snapshot: snapshotId,
        target: targetNameOptional,
        overwrite: { kind: 'boolean', optional: true },
        allowUntrusted: { kind: 'boolean', optional: true },
      });
      // Not cancelled by a hang-up: a restore half-way is finished or undone by itself, never left.
      return await backups.restore(p);
    },
    'backup.verify': async (params, caller) => {
      const p = parseParams('backup.verify', params, { target: targetNameOptional, readData: { kind: 'boolean', optional: true } });
      return { targets: await backups.verify(p.target, p.readData ?? false, hangup(caller)) };
    },
    'backup.requireBeforeUpdate': async (params) => {
      const p = parseParams('backup.requireBeforeUpdate', params, { target: targetNameOptional });
      await backups.setRequiredBeforeUpdate(p.target ?? null);
      return { target: backups.requiredBeforeUpdate() };
    },
    'backup.scheduleSet': async (params) => {
      const p = parseParams('backup.scheduleSet', params, {
        service: { kind: 'string', check: (v: string) => (v === ALL_SERVICES || /^[a-z][a-z0-9-]{0,62}$/.test(v) ? null : 'expected a service id, or * for every installed service') },
        everySeconds: { kind: 'number', optional: true, check: (v: number) => (Number.isInteger(v) && v >= MIN_EVERY_SECONDS && v <= MAX_EVERY_SECONDS ? null : `expected whole seconds, ${MIN_EVERY_SECONDS} to ${MAX_EVERY_SECONDS}`) },
        cron: { kind: 'string', optional: true, check: (v: string) => cronProblem(v) },
        target: targetNameOptional,
        keep: { kind: 'number', optional: true, check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= MAX_KEEP ? null : `expected 1 to ${MAX_KEEP}`) },
      });
      if (p.everySeconds !== undefined && p.cron !== undefined) throw new HearthError('INVALID_PARAMS', 'backup.scheduleSet: everySeconds or cron, not both');
      const when = p.cron !== undefined ? { cron: p.cron } : p.everySeconds !== undefined ? { everySeconds: p.everySeconds } : null;
      if (when === null) await scheduler.set(p.service, null);
      else {
        if (p.target === undefined || p.keep === undefined) throw new HearthError('INVALID_PARAMS', 'backup.scheduleSet: a schedule needs a target and how many snapshots to keep', { hint: 'hearth backup schedule <svc> daily --to <target> --keep 7' });
        await scheduler.set(p.service, { ...when, target: p.target, keep: p.keep });
      }
      return { schedules: scheduler.list() };
    },
    'backup.scheduleList': async (params) => {
      parseParams('backup.scheduleList', params, {});
      return Promise.resolve({ schedules: scheduler.list(), requireBeforeUpdate: backups.requiredBeforeUpdate() });
    },
  };
}
