/**
 * The init task: brings the schema to the version this package release wants (NOTES_SCHEMA_VERSION),
 * one migration at a time, each in a transaction. Runs on every start; does nothing when current.
 */
import { connect } from './db.js';

const MIGRATIONS: Record<number, string> = {
  1: 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)',
  2: 'ALTER TABLE notes ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()',
};

async function main(): Promise<void> {
  const target = Number(process.env['NOTES_SCHEMA_VERSION'] ?? '1');
  const client = connect();
  await client.connect();
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version int NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT max(version) AS version FROM schema_version');
    let current = rows[0]?.version ?? 0;
    console.log(`schema at version ${current}, wanted ${target}`);
    while (current < target) {
      const next = current + 1;
      const sql = MIGRATIONS[next];
      if (sql === undefined) throw new Error(`no migration to version ${next}`);
      await client.query('BEGIN');
      await client.query(sql);
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [next]);
      await client.query('COMMIT');
      console.log(`migrated to version ${next}: ${sql}`);
      current = next;
    }
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
