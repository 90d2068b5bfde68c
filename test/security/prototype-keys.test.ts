import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionResult, LogEntry, PackageInfo, ServiceStatus, ServiceUsage } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { cgroupsOf, containerRunning, mountsUnder, processAlive, processTree } from '../support/leftovers.js';
import { fingerprintOf, keygen, packDir } from '../support/packages.js';
import { FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';
import { exchange, request } from '../support/rpc.js';

const PORT_BASE = 19_000 + Math.floor(Math.random() * 10_000);
/** Ids a package may have (they match the manifest's id pattern), and ids that only reach hearthd as RPC params. */
const VALID_IDS = ['constructor', 'tostring', 'valueof', 'hasownproperty'];
const MALFORMED_IDS = ['__proto__', 'toString', 'hasOwnProperty'];
/** Every CLI command that names one installed package. */
const COMMANDS: string[][] = [['status'], ['start'], ['stop'], ['uninstall'], ['info'], ['logs'], ['stats'], ['restart'], ['actions'], ['exec', '--', 'true']];

describe.skipIf(skipUnless({ root: isRoot }))('ids that are Object.prototype keys (constructor, __proto__, toString) are ids like any other', () => {
  let work: string;
  let hearthd: TestHearthd;
  let archive: string;
  let key: string;
  const stateFile = (): string => readFileSync(join(hearthd.dataDir, 'state.json'), 'utf8');
  const argv = (command: string[], id: string): string[] => (command.includes('--') ? [command[0]!, id, ...command.slice(1)] : [...command, id]);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-proto-'));
    key = await keygen(join(work, 'key.pem'));
    // The fixture reuses the supervision fixture's busybox image and its build script.
    archive = await packDir(join(FIXTURES, 'prototype-keys'), '../supervision/build-images.sh', key, join(work, 'constructor.hpk'));
    hearthd = await TestHearthd.start(PORT_BASE);
    await hearthd.trust(key);
  });

  afterAll(async () => {
    await hearthd?.cli('uninstall', 'constructor', '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test.each(VALID_IDS)('every command on %s when nothing is installed says PACKAGE_NOT_INSTALLED (exit 3) and changes nothing', async (id) => {
    const before = stateFile();
    for (const command of COMMANDS) {
      const result = await hearthd.cli('--json', ...argv(command, id));
      expect({ command, exitCode: result.exitCode, code: (JSON.parse(result.stdout) as { error: { code: string } }).error.code }).toEqual({ command, exitCode: 3, code: 'PACKAGE_NOT_INSTALLED' });
    }
    expect((await hearthd.cli('stop', id)).stderr).toContain(`no package "${id}" is installed`);
    expect(stateFile()).toBe(before);
    expect(existsSync(join(hearthd.dataDir, 'run', id))).toBe(false);
    expect(await hearthd.json<unknown[]>('ls')).toEqual([]);
  });

  test.each(MALFORMED_IDS)('%s cannot be a package id: every command refuses it as INVALID_PARAMS (exit 2), as any malformed id, and changes nothing', async (id) => {
    const before = stateFile();
    for (const command of COMMANDS) {
      const result = await hearthd.cli('--json', ...argv(command, id));
      expect({ command, exitCode: result.exitCode, code: (JSON.parse(result.stdout) as { error: { code: string } }).error.code }).toEqual({ command, exitCode: 2, code: 'INVALID_PARAMS' });
    }
    expect(stateFile()).toBe(before);
  });

  test('raw RPC with prototype keys as ids, as param names and as nested "__proto__" objects gets an error by name and hearthd keeps serving', async () => {
    const before = stateFile();
    const cases: [string, string][] = [
      ['service.stop', '{"id":"constructor"}'],
      ['service.status', '{"id":"hasownproperty"}'],
      ['package.uninstall', '{"id":"valueof"}'],
      ['service.stop', '{"id":"__proto__"}'],
      ['service.stop', '{"__proto__":{"id":"constructor"}}'],
      ['service.stop', '{"id":"tostring","constructor":"x"}'],
      ['service.start', '{"id":"constructor","__proto__":{"waitReady":true}}'],
      ['trust.remove', '{"fingerprint":"constructor"}'],
      ['action.run', '{"id":"constructor","action":"constructor","input":{"__proto__":"x"}}'],
    ];
    const payload = cases.map(([method, params], i) => `{"jsonrpc":"2.0","id":${i},"method":"${method}","params":${params}}\n`).join('');
    const replies = (await exchange(hearthd.socket, payload, cases.length)) as { id: number; error?: { data?: { code?: string } } }[];
    const codes = replies.sort((a, b) => a.id - b.id).map((r) => r.error?.data?.code);
    expect(codes).toEqual(['PACKAGE_NOT_INSTALLED', 'PACKAGE_NOT_INSTALLED', 'PACKAGE_NOT_INSTALLED', 'INVALID_PARAMS', 'INVALID_PARAMS', 'INVALID_PARAMS', 'INVALID_PARAMS', 'INVALID_PARAMS', 'PACKAGE_NOT_INSTALLED']);
    expect(stateFile()).toBe(before);
    const [info] = (await exchange(hearthd.socket, request(99, 'server.info'), 1)) as { result?: { services: unknown } }[];
    expect(info?.result?.services).toEqual({ installed: 0, running: 0 });
  });

  test('a package whose id, image, daemon, volume, interface and action are all "constructor" installs, runs, serves, stops and uninstalls like any other', async () => {
    expect(await hearthd.json('install', archive)).toMatchObject({ id: 'constructor', version: '1.0.0' });
    const page = join(work, 'index.html');
    await writeFile(page, 'served from the constructor volume\n');

    const status = await hearthd.json<ServiceStatus>('start', 'constructor');
    expect(status).toMatchObject({ id: 'constructor', state: 'running', ready: true, daemons: [expect.objectContaining({ id: 'constructor', state: 'ready' })] });
    expect(status.interfaces.map((i) => i.id)).toEqual(['constructor']);
    expect((await hearthd.cli('cp', '--volume', 'constructor', page, 'constructor:/index.html')).exitCode).toBe(0);
    expect(await (await fetch(status.interfaces[0]!.url)).text()).toBe('served from the constructor volume\n');
    expect(readFileSync(join(hearthd.dataDir, 'volumes', 'constructor', 'constructor', 'index.html'), 'utf8')).toBe('served from the constructor volume\n');

    expect(await hearthd.json<ActionResult>('action', 'constructor', 'constructor')).toMatchObject({ message: 'image-a' });
    expect((await hearthd.cli('exec', 'constructor', '--daemon', 'constructor', '--', 'cat', '/data/index.html')).stdout).toBe('served from the constructor volume');
    expect((await hearthd.json<ServiceUsage[]>('stats', 'constructor')).map((u) => u.id)).toEqual(['constructor']);
    const info = await hearthd.json<PackageInfo>('info', 'constructor');
    expect(Object.keys(info.manifest.interfaces)).toEqual(['constructor']);
    await expect.poll(async () => (await hearthd.cli('logs', 'constructor', '--json')).exitCode).toBe(0);
    expect((await hearthd.cli('logs', 'constructor', '--daemon', 'constructor', '--json')).stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as LogEntry).daemon)).not.toContain('web');

    const state = JSON.parse(stateFile()) as { services: Record<string, { ports: Record<string, number>; desired: string }> };
    expect(Object.keys(state.services)).toEqual(['constructor']);
    expect(state.services['constructor']).toMatchObject({ desired: 'running', ports: { constructor: status.interfaces[0]!.hostPort } });

    const tree = processTree(status.container!.initPid);
    expect((await hearthd.json<ServiceStatus>('stop', 'constructor')).state).toBe('stopped');
    await expect(fetch(status.interfaces[0]!.url)).rejects.toThrow();
    expect((JSON.parse(stateFile()) as typeof state).services['constructor']?.desired).toBe('stopped');

    await hearthd.json('uninstall', 'constructor');
    expect(JSON.parse(stateFile())).toEqual({ format: 'hearth-state-v1', services: {}, trusted: { [await fingerprintOf(key)]: expect.objectContaining({ name: 'test publisher' }) as unknown } });
    expect((await hearthd.cli('status', 'constructor')).exitCode).toBe(3);
    expect(await containerRunning(join(hearthd.dataDir, 'lxc'), 'hearth-constructor')).toBe(false);
    expect(cgroupsOf('hearth-constructor')).toEqual([]);
    expect(mountsUnder(join(hearthd.dataDir, 'run'))).toEqual([]);
    expect(tree.filter(processAlive)).toEqual([]);
    expect(readdirSync(join(hearthd.dataDir, 'packages'))).toEqual([]);
    // A plain uninstall keeps volumes, this one included.
    expect(existsSync(join(hearthd.dataDir, 'volumes', 'constructor', 'constructor', 'index.html'))).toBe(true);
  });
});
