import { Daemons, defineManifest, healthChecks } from '@hearth/sdk';

export const manifest = defineManifest({
  id: 'hello-world',
  title: 'Hello World',
  version: '1.0.0',
  description: 'A web page served by busybox httpd',
  license: 'MIT',
  images: {
    main: { source: { type: 'directory', path: 'image' } },
  },
  volumes: ['data'],
  interfaces: {
    web: { name: 'Web page', port: 80, protocol: 'http' },
  },
});

export const main = () =>
  Daemons.of(manifest).add('web', {
    image: 'main',
    command: ['httpd', '-f', '-v', '-p', '80', '-h', '/www'],
    mounts: [{ volume: 'data', path: '/data' }],
    ready: healthChecks.tcpPort(80),
  });
