import { describe, expect, test } from 'vitest';
import type { DaemonSpec, ImageConfig, PackageDaemons } from '@hearth/sdk/contract';
import { createLogger } from '@hearth/sdk/system';
import { runtimePaths } from '../paths.js';
import { DaemonManager } from './manager.js';
import { realDaemonDeps } from './deps.js';
import { loopbackIdentity } from '../mounts/host-files.js';

const image: ImageConfig = { entrypoint: null, cmd: ['sh'], env: [], workdir: '/', user: 'root' };

function spec(id: string, requires: string[] = [], imageId = 'main'): DaemonSpec {
  return {
    id,
    kind: 'daemon',
    image: imageId,
    command: ['true'],
    env: {},
    user: null,
    workdir: null,
    mounts: [],
    requires,
    ready: null,
    live: null,
    restart: { mode: 'never', initialDelayMs: 1, maxDelayMs: 1, resetAfterMs: 1, maxCrashes: 1, windowMs: 1 },
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 1,
    stopWhenRequirementsLost: false,
    secrets: [],
    files: [],
  };
}

/** Building a manager checks the package's daemons; nothing is mounted or spawned until start. */
function manager(specs: DaemonSpec[]): DaemonManager {
  const pkg: PackageDaemons = { specs, checkFunction: () => undefined, fileRenderer: () => undefined };
  const events = { onStatus: () => undefined, onLog: () => undefined };
  return new DaemonManager(pkg, new Map([['main', image]]), { paths: runtimePaths({ HEARTH_MEDIA_DIR: '/nonexistent' }), identity: loopbackIdentity('demo'), deps: realDaemonDeps() }, events, createLogger());
}

describe('loading a package’s daemons', () => {
  test('daemons that require each other in a cycle are refused, naming the cycle', () => {
    expect(() => manager([spec('a', ['b']), spec('b', ['a'])])).toThrow(
      expect.objectContaining({ code: 'MANIFEST_INVALID', message: 'daemons require each other in a cycle: a → b → a' }) as Error,
    );
  });

  test('a requires naming no daemon of the package is refused, naming both', () => {
    expect(() => manager([spec('app', ['db'])])).toThrow(
      expect.objectContaining({ code: 'MANIFEST_INVALID', message: 'daemon app requires "db", which is not a daemon of this package' }) as Error,
    );
  });

  test('a daemon using an image the package does not have is refused, naming both', () => {
    expect(() => manager([spec('app', [], 'other')])).toThrow(
      expect.objectContaining({ code: 'MANIFEST_INVALID', message: 'daemon app uses image "other", which the package does not have', hint: 'images: main' }) as Error,
    );
  });

  test('before start, daemons without requirements wait for nothing and the others are listed in declaration order', () => {
    const statuses = manager([spec('db'), spec('app', ['db'])]).statuses();
    expect(statuses.map((s) => [s.id, s.state])).toEqual([
      ['db', 'waiting'],
      ['app', 'waiting'],
    ]);
  });
});

describe('the phase runtime.status reports, for a hearthd that adopts the container', () => {
  test('loaded until runtime.start is called, started once it has run', async () => {
    const m = manager([]);
    expect(m.phase).toBe('loaded');
    const starting = m.start();
    expect(m.phase).toBe('loaded'); // serialized: the start runs on the next tick
    await starting;
    expect(m.phase).toBe('started');
  });
});
