import { Daemons, healthChecks, type MainContext } from '@hearth/sdk';
import { manifest } from './manifest.js';

const PG = '/usr/lib/postgresql/15/bin';
const DATA = '/var/lib/postgresql/data';

export const main = ({ settings }: MainContext<typeof manifest>) => {
  let daemons = Daemons.of(manifest)
    .add('db', {
      image: 'postgres',
      user: 'postgres',
      command: [`${PG}/postgres`, '-D', DATA, '-c', 'hba_file=/etc/wiki/pg_hba.conf'],
      mounts: [{ volume: 'db', path: DATA, owner: 'postgres' }],
      // /run/secrets/db-password, 0400, owned by postgres, on a tmpfs only this daemon has.
      secrets: ['db-password'],
      files: {
        // No secret read: written into the daemon's writable layer, postgres's, mode 0640.
        '/etc/wiki/pg_hba.conf': { content: 'local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n', owner: 'postgres', mode: 0o640 },
      },
      ready: healthChecks.command([`${PG}/pg_isready`, '-h', '/run/postgresql']),
    })
    .add('web', {
      image: 'app',
      command: ['node', '/opt/wiki/server.js'],
      requires: ['db'],
      // The app reads the file; its environment only says where it is.
      secrets: ['db-password'],
      env: { DB_PASSWORD_FILE: '/run/secrets/db-password' },
      files: {
        // From a setting: when `title` changes, web restarts and nothing else does.
        '/etc/wiki/site.json': ({ settings: s }) => JSON.stringify({ title: s.title }),
        // Reads a secret, so it lives on web's secrets tmpfs, bound read-only here: never on disk.
        '/etc/wiki/mail.conf': ({ settings: s, secrets }) => `host=${s.smtpHost}\npassword=${secrets['smtp-password']}\n`,
      },
      ready: healthChecks.http(8080, '/healthz'),
    });
  // A setting can shape the daemon set: `hearth config set wiki workers=3` adds two workers and
  // leaves db and web running.
  for (let i = 0; i < settings.workers; i += 1) {
    daemons = daemons.add(`worker-${i}`, { image: 'app', command: ['node', '/opt/wiki/worker.js'], requires: ['db'], secrets: ['db-password'] });
  }
  return daemons;
};
