import { Actions, Daemons, defineManifest, HearthError, healthChecks } from '@hearth/sdk';

export const manifest = defineManifest({
  id: 'mirror',
  title: 'Mirror',
  version: '1.0.0',
  description: 'Keeps a local copy of a web page and serves it',
  license: 'MIT',
  images: {
    main: { source: { type: 'directory', path: 'image' } },
  },
  volumes: ['data'],
  interfaces: {
    web: { name: 'Mirrored page', port: 80, protocol: 'http' },
  },
  // Asks for the internet: shown at install; the user can revoke it with `hearth net outbound mirror off`.
  network: { outbound: true },
});

/** The copy the web daemon serves, in the data volume so it survives restarts and updates. */
const SITE_DIR = '/data/site';
/** nc gives up on a peer silent this long (connecting included); the whole fetch is bounded by FETCH_TIMEOUT_MS. */
const NC_TIMEOUT_S = 10;
const FETCH_TIMEOUT_MS = 60_000;
/** A larger answer is refused: a mirror of one page, not a download manager. */
const MAX_BYTES = 10 * 1024 * 1024;
/** mirror-fetch's exit codes (image/bin/mirror-fetch, from fetch.sh). */
const EXIT = { badUrl: 2, noConnection: 3, badAnswer: 4 } as const;

export const main = () =>
  Daemons.of(manifest).add('web', {
    image: 'main',
    // The placeholder page until the first fetch; then the fetched copy.
    command: ['sh', '-c', `mkdir -p ${SITE_DIR} && { [ -e ${SITE_DIR}/index.html ] || cp /share/empty.html ${SITE_DIR}/index.html; } && exec httpd -f -v -p 80 -h ${SITE_DIR}`],
    mounts: [{ volume: 'data', path: '/data' }],
    ready: healthChecks.tcpPort(80),
  });

/** `hearth action mirror fetch --input url=http://example.com/`: fetch the page now. */
export const actions = Actions.of<typeof manifest, 'web'>().add('fetch', {
  name: 'Fetch now',
  description: 'Fetch an http:// page into the data volume; the interface serves it from then on',
  input: { url: { type: 'string', required: true, description: 'an http:// URL (busybox has no TLS)' } },
  run: async ({ input, exec }) => {
    const env = { SITE_DIR, TIMEOUT_S: String(NC_TIMEOUT_S), MAX_BYTES: String(MAX_BYTES) };
    const result = await exec('web', ['/bin/mirror-fetch', input.url], { env, timeoutMs: FETCH_TIMEOUT_MS });
    const why = result.stderr.trim() || `mirror-fetch exited ${String(result.exitCode)}`;
    if (result.exitCode === 0) {
      const bytes = Number(result.stdout.trim());
      return { message: `fetched ${bytes} bytes from ${input.url}; the web interface serves them`, data: { url: input.url, bytes } };
    }
    if (result.exitCode === EXIT.badUrl) throw new HearthError('INVALID_PARAMS', why, { hint: 'give an http:// URL, e.g. --input url=http://example.com/' });
    if (result.exitCode === EXIT.noConnection) {
      throw new HearthError('ACTION_FAILED', `the connection failed: ${why}`, {
        hint: 'the site may be down, or this service’s outbound access revoked: hearth status mirror shows it, hearth net outbound mirror on restores it',
        details: { url: input.url },
      });
    }
    throw new HearthError('ACTION_FAILED', why, { details: { url: input.url, exitCode: result.exitCode } });
  },
});
