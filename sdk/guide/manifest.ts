import { defineManifest } from '@hearth/sdk';

export const manifest = defineManifest({
  id: 'wiki',
  title: 'Wiki',
  version: '2.0.0',
  images: {
    postgres: { source: { type: 'debootstrap', suite: 'bookworm', packages: ['postgresql-15'] } },
    app: { source: { type: 'directory', path: 'build/app' } },
  },
  volumes: ['db', 'uploads'],
  interfaces: { web: { name: 'Wiki', port: 8080, protocol: 'http' } },
  secrets: {
    // Generated at install (crypto-random, 32 characters by default), kept across updates.
    'db-password': { description: 'PostgreSQL password of the wiki user', generate: { length: 32 } },
    // Supplied by the user: `hearth secret set wiki smtp-password` (read from stdin). Until it is
    // set, the service does not start and says which command sets it.
    'smtp-password': { description: 'password of the mail account the wiki sends from' },
  },
  settings: {
    title: { type: 'string', description: 'shown on every page', default: 'Wiki' },
    workers: { type: 'number', description: 'background workers', default: 1, integer: true, min: 1, max: 16 },
    smtpHost: { type: 'string', description: 'mail server', default: 'mail.example.org' },
  },
});
