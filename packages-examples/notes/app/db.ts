import pg from 'pg';

/** PostgreSQL runs in another image of the same container; its unix socket is in the shared /run. */
export const SOCKET_DIR = '/run/postgresql';

export function connect(): pg.Client {
  return new pg.Client({ host: SOCKET_DIR, user: 'postgres', database: 'postgres' });
}
