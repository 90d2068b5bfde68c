import { Daemons, defineManifest, dependencyAddress, healthChecks } from '@hearth/sdk';

export const manifest = defineManifest({
  id: 'status-page',
  title: 'Status Page',
  version: '1.0.0',
  description: 'A page saying whether hello-world answers, and what it answered',
  license: 'MIT',
  images: {
    main: { source: { type: 'directory', path: 'image' } },
  },
  interfaces: {
    web: { name: 'Status page', port: 80, protocol: 'http' },
  },
  // May connect to hello-world's `web` interface (and nothing else of it); starting status-page
  // starts hello-world first.
  dependencies: {
    'hello-world': { version: '^1.0.0', interfaces: ['web'] },
  },
});

/** How often the checker asks hello-world, and how long it waits for an answer. */
const CHECK_INTERVAL_S = 5;
const CHECK_TIMEOUT_S = 2;
/** The checker's own directory under /run, which every daemon of the service shares: the page lives there, not in a volume, since it says nothing worth keeping. */
const PAGE_DIR = '/run/checker';

export const main = () => {
  // { host: 'hello-world.hearth', port: 80, url: … }, as this service reaches it; typed by the manifest.
  const hello = dependencyAddress(manifest, 'hello-world', 'web');
  return Daemons.of(manifest)
    .add('checker', {
      image: 'main',
      command: ['/bin/check'],
      env: {
        TARGET_NAME: 'hello-world',
        TARGET_HOST: hello.host,
        TARGET_PORT: String(hello.port),
        INTERVAL_S: String(CHECK_INTERVAL_S),
        TIMEOUT_S: String(CHECK_TIMEOUT_S),
        PAGE_DIR,
      },
      // Ready once the first check wrote the page.
      ready: healthChecks.command(['test', '-f', `${PAGE_DIR}/index.html`], { intervalMs: 500 }),
    })
    .add('web', {
      image: 'main',
      requires: ['checker'],
      command: ['httpd', '-f', '-v', '-p', '80', '-h', PAGE_DIR],
      ready: healthChecks.tcpPort(80),
    });
};
