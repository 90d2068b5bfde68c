import { DEFAULT_RESTART } from '@hearth/sdk';
import { validateManifest, type DaemonSpec, type HealthCheckSpec, type ImageConfig } from '@hearth/sdk/contract';
import type { ExportInput } from './model.js';

/** Test inputs for the mapping: specs as a package's main returns them, without an archive. */
const timing = { intervalMs: 1000, timeoutMs: 2000, failureThreshold: 3, gracePeriodMs: 0 };
export const tcp = (port: number): HealthCheckSpec => ({ kind: 'tcp', port, ...timing });
export const http = (port: number, path = '/'): HealthCheckSpec => ({ kind: 'http', port, path, statuses: null, ...timing });
export const command = (argv: string[]): HealthCheckSpec => ({ kind: 'command', command: argv, ...timing });
export const fn = (ref: string): HealthCheckSpec => ({ kind: 'function', ref, ...timing });

export function spec(id: string, over: Partial<DaemonSpec> = {}): DaemonSpec {
  const kind = over.kind ?? 'daemon';
  return {
    id, kind, image: 'main', command: null, env: {}, user: null, workdir: null, mounts: [], requires: [], ready: null, live: null,
    restart: { mode: kind === 'daemon' ? 'always' : 'never', ...DEFAULT_RESTART }, stopSignal: 'SIGTERM', stopTimeoutMs: 10_000,
    stopWhenRequirementsLost: false, secrets: [], files: [], ...over,
  };
}

const IMAGE: ImageConfig = { entrypoint: null, cmd: ['sh'], env: ['PATH=/bin'], workdir: '/', user: 'root' };

export function input(manifest: Record<string, unknown>, specs: DaemonSpec[], over: Partial<ExportInput> = {}): ExportInput {
  const m = validateManifest({ title: 'T', version: '1.0.0', sdkVersion: '0.1.0', ...manifest });
  return {
    manifest: m, specs, images: new Map(Object.keys(m.images).map((id) => [id, IMAGE])), files: [], settings: {}, secrets: {},
    imageRef: (id) => `localhost/hearth/${m.id}-${id}:${m.version}`,
    userIds: (_image, name) => (name === 'postgres' ? { uid: 100, gid: 102 } : null),
    ...over,
  };
}

const images = (...ids: string[]): Record<string, unknown> => Object.fromEntries(ids.map((id) => [id, { source: { type: 'directory', path: id } }]));

/** notes' graph: tasks, a database that a later task needs, the app. */
export function notesLike(): ExportInput {
  const db = [{ volume: 'db', path: '/var/lib/postgresql/data', readonly: false, owner: null }];
  return input(
    { id: 'notes', images: images('postgres', 'app'), volumes: ['db', 'files'], interfaces: { web: { name: 'Notes', port: 8080 } }, resources: { memoryMiB: 512 }, secrets: { 'db-password': { generate: { length: 32 } } }, settings: { title: { type: 'string', default: 'Notes' } } },
    [
      spec('db-dirs', { kind: 'task', image: 'postgres', command: ['sh', '-c', 'mkdir -p /x'], mounts: db }),
      spec('initdb', { kind: 'task', image: 'postgres', user: 'postgres', requires: ['db-dirs'], mounts: db }),
      spec('db', { image: 'postgres', user: 'postgres', requires: ['initdb'], mounts: db, ready: command(['pg_isready']), stopSignal: 'SIGINT', stopTimeoutMs: 60_000, files: [{ path: '/etc/notes/pg_hba.conf', mode: 0o600, owner: 'postgres', ref: 'db:/etc/notes/pg_hba.conf' }] }),
      spec('db-password', { kind: 'task', image: 'postgres', user: 'postgres', requires: ['db'], secrets: ['db-password'] }),
      spec('migrate', { kind: 'task', image: 'app', requires: ['db-password'], secrets: ['db-password'] }),
      spec('web', { image: 'app', requires: ['migrate'], env: { NOTES_TITLE: 'Notes' }, secrets: ['db-password'], mounts: [{ volume: 'files', path: '/files', readonly: false, owner: null }], ready: http(8080, '/healthz') }),
    ],
    {
      files: [{ daemon: 'db', path: '/etc/notes/pg_hba.conf', mode: 0o600, owner: 'postgres', content: 'local all postgres peer\n', secretsRead: [] }],
      settings: { title: 'Notes' },
      secrets: { 'db-password': 'x'.repeat(32) },
    },
  );
}

/** Every kind of health check, ready and live. */
export function allChecks(): ExportInput {
  return input({ id: 'checks', images: images('main'), interfaces: { a: { name: 'A', port: 80 } }, dependencies: { 'hello-world': { version: '^1.0.0', interfaces: ['web'] } } }, [
    spec('tcp', { ready: tcp(80), live: tcp(80) }),
    spec('http', { ready: http(81, '/ready'), live: http(81, '/live') }),
    spec('cmd', { ready: command(['test', '-f', '/run/ok']), live: command(['true']) }),
    spec('fn', { ready: fn('fn.ready'), live: fn('fn.live') }),
  ]);
}
