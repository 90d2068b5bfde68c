import { expect, test } from 'vitest';
import { parseHostConfig } from './config.js';
import { allocatePort } from './service/ports.js';
import { renderContainerConfig } from './system/lxc-config.js';

test('a data dir with whitespace is refused at start by name, not when the first container starts', () => {
  expect(() => parseHostConfig(['--base-image', '/etc/hostname', '--data-dir', '/var/lib/my hearth'])).toThrow(
    expect.objectContaining({ code: 'INVALID_PARAMS', message: expect.stringContaining('--data-dir "/var/lib/my hearth" contains whitespace') as unknown }),
  );
});

test('no free port left is a stable code with a hint', async () => {
  await expect(allocatePort('127.0.0.1', 65_535, new Set([65_535]))).rejects.toMatchObject({ code: 'INVALID_PARAMS', hint: expect.stringContaining('--port-base') as unknown });
});

test('a path with whitespace in the LXC config is refused with a hint', () => {
  const spec = { name: 'hearth-x', baseRootfs: '/base dir', idmap: { hostId: 100_000, count: 65_536 }, initCommand: '/init', binds: [], consoleLog: '/c', lxcLog: '/l', memoryLimitBytes: 1 };
  expect(() => renderContainerConfig(spec)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS', hint: expect.stringContaining('no spaces') as unknown }));
});

test('the service network: bridge on 10.123.0.0/24 by default; --subnet from a /8 to a /29, without host bits, refused with --network none; an IPv6 bind address refused with a bridge', () => {
  const base = ['--base-image', '/etc/hostname'];
  expect(parseHostConfig(base).network).toEqual({ mode: 'bridge', subnet: { base: 0x0a7b0000, prefix: 24 } });
  expect(parseHostConfig([...base, '--subnet', '10.200.0.0/16']).network).toEqual({ mode: 'bridge', subnet: { base: 0x0ac80000, prefix: 16 } });
  expect(parseHostConfig([...base, '--network', 'none']).network).toEqual({ mode: 'none' });
  const refused = (args: string[], message: string): void => {
    expect(() => parseHostConfig([...base, ...args])).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS', message: expect.stringContaining(message) as unknown }));
  };
  refused(['--subnet', '10.0.0.0/30'], 'must be from a /8 to a /29');
  refused(['--subnet', '10.0.0.0/7'], 'must be from a /8 to a /29');
  refused(['--subnet', '10.123.0.1/24'], 'has host bits set');
  refused(['--network', 'none', '--subnet', '10.1.0.0/24'], '--subnet only makes sense with --network bridge');
  refused(['--network', 'macvlan'], 'must be bridge or none');
  refused(['--bind-address', '::1'], 'must be an IPv4 address with --network bridge');
});
