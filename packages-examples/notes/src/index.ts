import { Actions, Daemons, defineHooks, defineManifest, healthChecks, type MainContext } from '@hearth/sdk';

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
  // `backup`: where beforeBackup puts the database dump that a backup stores in place of `db`.
  volumes: ['db', 'files', 'backup'],
  // Hot: notes stays up while it is backed up. PostgreSQL's live files would be torn by a copy taken
  // while it writes, so `db` is not read; the hooks below dump it instead, and load the dump on restore.
  backup: { mode: 'hot', exclude: ['db'] },
  interfaces: { web: { name: 'Notes', port: 8080, protocol: 'http' } },
  resources: { memoryMiB: 512, pids: 512 },
  // Generated at install, kept by hearthd, given as a file only to the daemons that name it.
  secrets: { 'db-password': { description: 'the password the app uses to reach PostgreSQL', generate: { length: 32 } } },
  settings: {
    title: { type: 'string', default: 'Notes', description: 'the page title' },
    pageSize: { type: 'number', default: 50, integer: true, min: 1, max: 1000, description: 'how many of the newest notes the page shows' },
  },
});

const PG = '/usr/lib/postgresql/15/bin';
const DATA = '/var/lib/postgresql/data';
const dbVolume = [{ volume: 'db', path: DATA }] as const;
const HBA_FILE = '/etc/notes/pg_hba.conf';
/** The backup volume as the dump and load processes see it, and the dump in it. */
const BACKUP_DIR = '/backup';
const DUMP = `${BACKUP_DIR}/notes.sql`;
/**
 * Password authentication on loopback for the app; the postgres OS user (the db daemon's own tasks)
 * by peer on the socket, which is how the password is set in the first place.
 */
const PG_HBA = `# written by the notes package before every start
local  all  postgres                peer
host   all  postgres  127.0.0.1/32  scram-sha-256
`;
/** Sets the role's password from the secret file on every start (so a rotation takes), without it ever being in argv or env. */
const SET_PASSWORD_SQL = "\\set pw `cat /run/secrets/db-password`\nALTER ROLE postgres PASSWORD :'pw';\n";
/** The schema each release wants; the migrate task brings the database there. */
const SCHEMA_VERSION: Record<string, string> = { '1.0.0': '1', '1.1.0': '2' };

export const main = ({ settings }: MainContext<typeof manifest>) =>
  Daemons.of(manifest)
    .addTask('prepare-files', { image: 'tools', command: ['mkdir', '-p', '/files/exports'], mounts: [{ volume: 'files', path: '/files' }] })
    .addTask('db-dirs', {
      image: 'postgres',
      command: ['sh', '-c', `mkdir -p ${DATA} /run/postgresql && chown postgres:postgres ${DATA} /run/postgresql && chmod 700 ${DATA}`],
      mounts: [...dbVolume, { volume: 'backup', path: BACKUP_DIR, owner: 'postgres' }],
    })
    // initdb on first start only; the data stays in the db volume.
    .addTask('initdb', {
      image: 'postgres',
      user: 'postgres',
      requires: ['db-dirs'],
      command: ['sh', '-c', `[ -f ${DATA}/PG_VERSION ] || exec ${PG}/initdb -D ${DATA} -U postgres --auth-local=peer --auth-host=scram-sha-256 --no-instructions`],
      mounts: dbVolume,
    })
    .add('db', {
      image: 'postgres',
      user: 'postgres',
      requires: ['initdb'],
      command: [`${PG}/postgres`, '-D', DATA, '-k', '/run/postgresql', '-c', 'listen_addresses=127.0.0.1', '-c', `hba_file=${HBA_FILE}`],
      mounts: dbVolume,
      files: { [HBA_FILE]: { content: PG_HBA, owner: 'postgres', mode: 0o600 } },
      // In PostgreSQL's own image, with its own tool.
      ready: healthChecks.command([`${PG}/pg_isready`, '-h', '/run/postgresql'], { intervalMs: 500 }),
      // Fast shutdown: roll back open transactions, write a checkpoint, exit cleanly.
      stopSignal: 'SIGINT',
      stopTimeoutMs: 60_000,
    })
    .addTask('db-password', {
      image: 'postgres',
      user: 'postgres',
      requires: ['db'],
      secrets: ['db-password'],
      command: ['sh', '-c', `printf '%s' "$SQL" | ${PG}/psql -h /run/postgresql -U postgres -d postgres -v ON_ERROR_STOP=1 -q`],
      env: { SQL: SET_PASSWORD_SQL },
    })
    .addTask('migrate', {
      image: 'app',
      requires: ['db-password'],
      secrets: ['db-password'],
      command: ['node', '/opt/notes/migrate.cjs'],
      env: { NOTES_SCHEMA_VERSION: SCHEMA_VERSION[manifest.version] ?? '2' },
    })
    .add('web', {
      image: 'app',
      requires: ['migrate', 'prepare-files'],
      command: ['node', '/opt/notes/server.cjs'],
      env: { NOTES_TITLE: settings.title, NOTES_PAGE_SIZE: String(settings.pageSize) },
      secrets: ['db-password'],
      mounts: [{ volume: 'files', path: '/files' }],
      ready: healthChecks.http(8080, '/healthz'),
    });

/**
 * What a user can do to a running notes service: `hearth action notes export --input pretty=true`.
 * The export runs as a one-off process in the app image, not inside the web daemon.
 */
export const actions = Actions.of<typeof manifest, 'web'>().add('export', {
  name: 'Export notes',
  description: 'Write every note as JSON to exports/notes.json in the files volume',
  input: {
    pretty: { type: 'boolean', description: 'indent the JSON', default: false },
    newest: { type: 'number', integer: true, min: 1, description: 'only the newest this many notes (all when empty)' },
  },
  run: async ({ input, run }) => {
    const args = [...(input.pretty ? ['--pretty'] : []), ...(input.newest === undefined ? [] : ['--newest', String(input.newest)])];
    const result = await run('app', ['node', '/opt/notes/export.cjs', ...args], {
      mounts: [{ volume: 'files', path: '/files' }],
      secrets: ['db-password'],
    });
    if (result.exitCode !== 0) throw new Error(result.stderr.trim() || `exited ${result.exitCode}`);
    return { message: result.stdout.trim() };
  },
});

/** A daemon that exits unasked leaves its reason in `hearth status` until the next one. */
export const hooks = defineHooks<typeof manifest, 'db' | 'web'>({
  // A consistent dump while notes runs (pg_dump reads one snapshot of the database), written beside
  // and renamed into place, so a dump cut short never replaces the last good one.
  beforeBackup: async ({ run }) => {
    const result = await run('postgres', ['sh', '-c', `${PG}/pg_dump -h /run/postgresql -U postgres --clean --if-exists -f ${DUMP}.tmp postgres && mv ${DUMP}.tmp ${DUMP}`], {
      user: 'postgres',
      mounts: [{ volume: 'backup', path: BACKUP_DIR }],
      timeoutMs: 30 * 60_000,
    });
    if (result.exitCode !== 0) throw new Error(`pg_dump failed: ${result.stderr.trim()}`);
  },
  // The restored database is the fresh one initdb made; the dump (with --clean) replaces its tables.
  afterRestore: async ({ run }) => {
    const result = await run('postgres', ['sh', '-c', `[ ! -f ${DUMP} ] || ${PG}/psql -h /run/postgresql -U postgres -d postgres -v ON_ERROR_STOP=1 -q -f ${DUMP}`], {
      user: 'postgres',
      mounts: [{ volume: 'backup', path: BACKUP_DIR }],
      timeoutMs: 30 * 60_000,
    });
    if (result.exitCode !== 0) throw new Error(`loading the dump failed: ${result.stderr.trim()}`);
  },
  daemonCrashed: (ctx, { daemon, exitCode, signal, lastLines, restarting }) => {
    const how = signal === null ? `exited with code ${String(exitCode)}` : `was killed by ${signal}`;
    const last = lastLines.at(-1);
    ctx.setMessage(`${daemon} ${how} at ${new Date().toISOString()}${restarting ? ' (restarted)' : ''}${last === undefined ? '' : `; its last line: ${last}`}`);
  },
});
