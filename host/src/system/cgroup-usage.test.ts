import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { cgroupUsage, parseProcCgroup } from './cgroup-usage.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fake /proc/<pid>/cgroup and cgroup tree: { 'memory/x/memory.usage_in_bytes': '123', … }. */
async function fake(procCgroup: string, files: Record<string, string>): Promise<{ root: string; proc: string }> {
  const base = await mkdtemp(join(tmpdir(), 'hearth-cgroup-'));
  dirs.push(base);
  await mkdir(join(base, 'proc/42'), { recursive: true });
  await writeFile(join(base, 'proc/42/cgroup'), procCgroup);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(base, 'cg', path, '..'), { recursive: true });
    await writeFile(join(base, 'cg', path), `${content}\n`);
  }
  return { root: join(base, 'cg'), proc: join(base, 'proc') };
}

describe('cgroup usage of a container', () => {
  test('/proc/<pid>/cgroup maps each controller, joint ones included, and the v2 hierarchy', () => {
    const paths = parseProcCgroup('8:pids:/lxc.payload.x\n4:memory:/lxc.payload.x\n3:cpu,cpuacct:/lxc.payload.x\n0::/lxc.payload.x\n');
    expect(Object.fromEntries(paths)).toEqual({ pids: '/lxc.payload.x', memory: '/lxc.payload.x', cpu: '/lxc.payload.x', cpuacct: '/lxc.payload.x', '': '/lxc.payload.x' });
  });

  test('cgroup v1: memory, its limit, pids, pids.max and CPU time; an unlimited memory limit is null', async () => {
    const p = '/lxc.payload.web';
    const { root, proc } = await fake(`8:pids:${p}\n4:memory:${p}\n2:cpuacct:${p}\n0::/\n`, {
      [`memory${p}/memory.usage_in_bytes`]: '25165824',
      [`memory${p}/memory.limit_in_bytes`]: '67108864',
      [`pids${p}/pids.current`]: '7',
      [`pids${p}/pids.max`]: '200',
      [`cpuacct${p}/cpuacct.usage`]: '1500000000',
    });
    expect(await cgroupUsage(42, root, proc)).toEqual({ memoryBytes: 25165824, memoryLimitBytes: 67108864, pids: 7, pidsLimit: 200, cpuSeconds: 1.5 });
  });

  test('cgroup v1 without limits reads as null limits', async () => {
    const p = '/c';
    const { root, proc } = await fake(`8:pids:${p}\n4:memory:${p}\n`, {
      [`memory${p}/memory.usage_in_bytes`]: '1024',
      [`memory${p}/memory.limit_in_bytes`]: '9223372036854771712',
      [`pids${p}/pids.current`]: '1',
      [`pids${p}/pids.max`]: 'max',
    });
    expect(await cgroupUsage(42, root, proc)).toMatchObject({ memoryLimitBytes: null, pidsLimit: null, cpuSeconds: 0 });
  });

  test('cgroup v2 only: memory.current, memory.max, pids and cpu.stat', async () => {
    const { root, proc } = await fake('0::/lxc.payload.web\n', {
      'lxc.payload.web/memory.current': '2048',
      'lxc.payload.web/memory.max': 'max',
      'lxc.payload.web/pids.current': '3',
      'lxc.payload.web/pids.max': '512',
      'lxc.payload.web/cpu.stat': 'usage_usec 250000\nuser_usec 200000',
    });
    expect(await cgroupUsage(42, root, proc)).toEqual({ memoryBytes: 2048, memoryLimitBytes: null, pids: 3, pidsLimit: 512, cpuSeconds: 0.25 });
  });

  test('a process that is gone has no usage', async () => {
    const { root, proc } = await fake('0::/\n', {});
    expect(await cgroupUsage(43, root, proc)).toBeNull();
  });
});
