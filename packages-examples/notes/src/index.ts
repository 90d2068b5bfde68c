import { Actions, Daemons, defineManifest, healthChecks } from '@hearth/sdk';

export const manifest = defineManifest({
  id: 'notes',
  title: 'Notes',
  version: '1.0.0',
  description: 'Notes in PostgreSQL behind a small web app',
  license: 'MIT',
  images: {
    // PostgreSQL from Debian's own packages.
    postgres: { source: { type: 'debootstrap', suite: 'bookworm', packages: ['postgresql-15'] } },
    // Debian's Node with the app bundled on top.
    app: { source: { type: 'debootstrap', suite: 'bookworm', packages: ['nodejs'] }, add: [{ from: 'build/app', to: '/opt/notes' }] },
    // A few busybox tools for preparing directories.
    tools: { source: { type: 'directory', path: 'build/tools' } },
  },
  volumes: ['db', 'files'],
  interfaces: { web: { name: 'Notes', port: 8080, protocol: 'http' } },
  resources: { memoryMiB: 512, pids: 512 },
});

const PG = '/usr/lib/postgresql/15/bin';
const DATA = '/var/lib/postgresql/data';
const dbVolume = [{ volume: 'db', path: DATA }] as const;
/** The schema each release wants; the migrate task brings the database there. */
const SCHEMA_VERSION: Record<string, string> = { '1.0.0': '1', '1.1.0': '2' };

export const main = () =>
  Daemons.of(manifest)
    .addTask('prepare-files', { image: 'tools', command: ['mkdir', '-p', '/files/exports'], mounts: [{ volume: 'files', path: '/files' }] })
    .addTask('db-dirs', {
      image: 'postgres',
      command: ['sh', '-c', `mkdir -p ${DATA} /run/postgresql && chown postgres:postgres ${DATA} /run/postgresql && chmod 700 ${DATA}`],
      mounts: dbVolume,
    })
    // initdb on first start only; the data stays in the db volume.
    .addTask('initdb', {
      image: 'postgres',
      user: 'postgres',
      requires: ['db-dirs'],
      command: ['sh', '-c', `[ -f ${DATA}/PG_VERSION ] || exec ${PG}/initdb -D ${DATA} -U postgres --auth=trust --no-instructions`],
      mounts: dbVolume,
    })
    .add('db', {
      image: 'postgres',
      user: 'postgres',
      requires: ['initdb'],
      command: [`${PG}/postgres`, '-D', DATA, '-k', '/run/postgresql', '-c', 'listen_addresses='],
      mounts: dbVolume,
      // In PostgreSQL's own image, with its own tool.
      ready: healthChecks.command([`${PG}/pg_isready`, '-h', '/run/postgresql'], { intervalMs: 500 }),
      // Fast shutdown: roll back open transactions, write a checkpoint, exit cleanly.
      stopSignal: 'SIGINT',
      stopTimeoutMs: 60_000,
    })
    .addTask('migrate', {
      image: 'app',
      requires: ['db'],
      command: ['node', '/opt/notes/migrate.cjs'],
      env: { NOTES_SCHEMA_VERSION: SCHEMA_VERSION[manifest.version] ?? '2' },
    })
    .add('web', {
      image: 'app',
      requires: ['migrate', 'prepare-files'],
      command: ['node', '/opt/notes/server.cjs'],
      mounts: [{ volume: 'files', path: '/files' }],
      ready: healthChecks.http(8080, '/healthz'),
    });

/** What a user can do to a running notes service: `hearth action notes export --input pretty=true`. */
export const actions = Actions.of<typeof manifest, 'web'>().add('export', {
  name: 'Export notes',
  description: 'Write every note as JSON to exports/notes.json in the files volume',
  input: { pretty: { type: 'boolean', description: 'indent the JSON', default: false } },
  run: async ({ input, exec }) => {
    const result = await exec('web', ['node', '/opt/notes/export.cjs', ...(input.pretty ? ['--pretty'] : [])]);
    if (result.exitCode !== 0) throw new Error(result.stderr.trim() || `exited ${result.exitCode}`);
    return { message: result.stdout.trim() };
  },
});
