import { expect, test } from 'vitest';
import { DEFAULT_IDMAP, renderContainerConfig, type ContainerSpec } from './lxc-config.js';

const spec: ContainerSpec = {
  name: 'hearth-demo',
  baseRootfs: '/var/lib/hearth/base/base-1',
  idmap: DEFAULT_IDMAP,
  initCommand: '/usr/lib/hearth/start-runtime',
  binds: [
    { source: '/var/lib/hearth/packages/demo/package', target: '/media/hearth/package', readonly: true },
    { source: '/var/lib/hearth/run/demo/images/main', target: '/media/hearth/images/main', readonly: true, idmapped: true },
    { source: '/var/lib/hearth/volumes/demo/data', target: '/media/hearth/volumes/data', readonly: false },
  ],
  memoryLimitBytes: 1024 * 1024 * 1024,
  consoleLog: '/var/lib/hearth/logs/demo/runtime.log',
  lxcLog: '/var/lib/hearth/logs/demo/lxc.log',
};

test('the container is unprivileged, loopback-only, on the read-only base; only read-only image binds are idmapped, every bind nosuid,nodev', () => {
  const config = renderContainerConfig(spec);
  expect(config).toContain('lxc.idmap = u 0 100000 65536\n');
  expect(config).toContain('lxc.idmap = g 0 100000 65536\n');
  expect(config).toContain('lxc.net.0.type = empty\n');
  expect(config).toContain('lxc.rootfs.path = dir:/var/lib/hearth/base/base-1\nlxc.rootfs.options = ro,idmap=container\n');
  expect(config).toContain('lxc.mount.entry = /var/lib/hearth/packages/demo/package media/hearth/package none bind,ro,nosuid,nodev,create=dir 0 0\n');
  expect(config).toContain(
    'lxc.mount.entry = /var/lib/hearth/run/demo/images/main media/hearth/images/main none bind,ro,nosuid,nodev,idmap=container,create=dir 0 0\n',
  );
  expect(config).toContain('lxc.mount.entry = /var/lib/hearth/volumes/demo/data media/hearth/volumes/data none bind,rw,nosuid,nodev,create=dir 0 0\n');
  expect(config).toContain('lxc.cgroup.memory.limit_in_bytes = 1073741824\n');
  expect(config).toContain('lxc.init.cmd = /sbin/init.lxc -n hearth-demo -- /usr/lib/hearth/start-runtime\n');
});

test('the media tmpfs is mounted before the binds that need mount points in it', () => {
  const config = renderContainerConfig(spec);
  expect(config.indexOf('tmpfs media/hearth tmpfs')).toBeLessThan(config.indexOf('media/hearth/package none bind'));
});

test('a path with whitespace is refused, since LXC config values cannot be quoted', () => {
  expect(() => renderContainerConfig({ ...spec, binds: [{ source: '/data/my volume', target: '/x', readonly: false }] })).toThrow(
    /must not contain whitespace/,
  );
});

test('a writable bind is never idmapped: container root would write files owned by host root', () => {
  expect(() => renderContainerConfig({ ...spec, binds: [{ source: '/v', target: '/media/hearth/volumes/v', readonly: false, idmapped: true }] })).toThrow(/must be read-only/);
});

test('the container tmpfs mounts are bounded, not half the host memory', () => {
  const config = renderContainerConfig(spec);
  for (const target of ['run', 'tmp', 'dev/shm', 'media/hearth']) expect(config).toMatch(new RegExp(`lxc.mount.entry = tmpfs ${target} tmpfs [^ ]*size=\\d+`));
});
