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
