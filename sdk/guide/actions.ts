import { Actions } from '@hearth/sdk';
import { manifest } from './manifest.js';

export const actions = Actions.of<typeof manifest, 'db' | 'web'>().add('dump', {
  name: 'Dump the database',
  description: 'Write a SQL dump to the uploads volume, from a one-off process',
  run: async ({ run, settings }) => {
    // A fresh overlay of the postgres image: the service's /run (PostgreSQL's socket), the volume
    // and the secret asked for; removed when it exits, killed with what it started at its timeout.
    const result = await run('postgres', ['sh', '-c', 'PGPASSWORD="$(cat /run/secrets/db-password)" pg_dump -h /run/postgresql -U wiki wiki > /dump/wiki.sql'], {
      user: 'postgres',
      mounts: [{ volume: 'uploads', path: '/dump' }],
      secrets: ['db-password'],
      timeoutMs: 10 * 60_000,
    });
    if (result.exitCode !== 0) throw new Error(`pg_dump failed: ${result.stderr.trim()}`);
    return { message: `dumped ${settings.title} to uploads/wiki.sql` };
  },
});
