/** The export action's command: every note, as JSON, into the files volume. */
import { writeFile } from 'node:fs/promises';
import { connect } from './db.js';

async function main(): Promise<void> {
  const pretty = process.argv.includes('--pretty');
  const at = process.argv.indexOf('--newest');
  // The action's input schema made it a whole number of at least 1; NULL is "no limit" to PostgreSQL.
  const newest = at === -1 ? null : Number(process.argv[at + 1]);
  const client = connect();
  await client.connect();
  try {
    const { rows } = await client.query('SELECT * FROM (SELECT * FROM notes ORDER BY id DESC LIMIT $1) newest ORDER BY id', [newest]);
    const out = '/files/exports/notes.json';
    await writeFile(out, `${JSON.stringify(rows, null, pretty ? 2 : 0)}\n`);
    console.log(`exported ${rows.length} notes to ${out} (the files volume)`);
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(`export failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
