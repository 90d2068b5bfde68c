import { expect, test } from 'vitest';
import type { ImageConfig } from '../../contract/paths.js';
import type { DaemonSpec } from '../../daemons.js';
import { DEFAULT_IMAGE_CONFIG } from '../images/defaults.js';
import { assertCommands, resolveRun } from './resolve.js';

const spec = (over: Partial<DaemonSpec>): DaemonSpec => ({
  id: 'web', kind: 'daemon', image: 'main', command: null, env: {}, user: null, workdir: null, mounts: [], requires: [], ready: null, live: null,
  restart: { mode: 'always', initialDelayMs: 1, maxDelayMs: 1, resetAfterMs: 1, maxCrashes: 1, windowMs: 1 }, stopSignal: 'SIGTERM', stopTimeoutMs: 1, stopWhenRequirementsLost: false, secrets: [], files: [], ...over,
});
const nginx: ImageConfig = { entrypoint: ['/docker-entrypoint.sh'], cmd: ['nginx', '-g', 'daemon off;'], env: ['PATH=/usr/bin', 'NGINX_VERSION=1.25'], workdir: '/', user: 'nginx' };

test('a daemon without command, user or workdir takes them from its image; its env goes on top of the image env', () => {
  expect(resolveRun(spec({ env: { NGINX_VERSION: 'mine', EXTRA: '1' } }), nginx)).toEqual({
    command: ['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'], commandFrom: 'image', user: 'nginx', userFrom: 'image', workdir: '/',
    env: ['PATH=/usr/bin', 'NGINX_VERSION=mine', 'EXTRA=1'],
  });
  expect(resolveRun(spec({ command: ['sh'], user: '0' }), nginx)).toMatchObject({ command: ['sh'], commandFrom: 'daemon', user: '0', userFrom: 'daemon' });
});

test('pack refuses a task with no command on an image with no entrypoint or cmd, naming the task and the image', () => {
  const configs = new Map([['main', nginx], ['tools', DEFAULT_IMAGE_CONFIG]]);
  expect(() => assertCommands([spec({}), spec({ id: 'init', kind: 'task', image: 'tools' })], configs)).toThrow(
    expect.objectContaining({ code: 'PACK_FAILED', message: 'task init has no command, and its image tools has no entrypoint or cmd', details: { daemon: 'init', image: 'tools' } }),
  );
  expect(() => assertCommands([spec({ image: 'tools', command: ['true'] })], configs)).not.toThrow();
  expect(() => assertCommands([spec({ image: 'not-built-yet' })], configs)).not.toThrow();
});
