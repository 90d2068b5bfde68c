import { readFileSync } from 'node:fs';
import pg from 'pg';

/**
 * PostgreSQL runs in another image of the same container, on the shared loopback. Its password is
 * the `db-password` secret, a file on this daemon's own tmpfs: never in the environment.
 */
export const PASSWORD_FILE = '/run/secrets/db-password';

export function connect(): pg.Client {
  const password = readFileSync(PASSWORD_FILE, 'utf8').trim();
  return new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', password, database: 'postgres' });
}
