import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceSummary } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { containerRunning } from '../support/leftovers.js';
import { keygen, packDir } from '../support/packages.js';
import { EXAMPLES, FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

/** db, app (needs db) and solo: small hello-world services. */
const IDS = ['bulk-db', 'bulk-app', 'bulk-solo'] as const;
const DEPENDS: Record<string, string> = { 'bulk-app': 'bulk-db' };

interface LogLine { time: string; message: string; service?: string }

async function writePackage(dir: string, id: string, image: string): Promise<void> {
  const dep = DEPENDS[id];
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: id, private: true, type: 'module' }));
  await writeFile(join(dir, 'noop.sh'), 'true\n');
  await writeFile(
    join(dir, 'src/index.ts'),
    `import { Daemons, defineManifest, healthChecks } from '@hearth/sdk';
export const manifest = defineManifest({ id: '${id}', title: '${id}', version: '1.0.0',
  images: { main: { source: { type: 'directory', path: ${JSON.stringify(image)} } } },
  interfaces: { web: { name: 'web', port: 80 } },
  ${dep === undefined ? '' : `dependencies: { '${dep}': { version: '^1.0.0', interfaces: ['web'] } },`} });
export const main = () => Daemons.of(manifest).add('web', { image: 'main', command: ['httpd', '-f', '-p', '80', '-h', '/www'], ready: healthChecks.tcpPort(80) });
`,
  );
}

/** hearthd's log lines (JSON on stderr) with `message` for `service`, in order. */
function linesOf(hearthd: TestHearthd, message: string, service: string): LogLine[] {
  return hearthd.log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.message === message && l.service === service);
}
const at = (line: LogLine | undefined): number => Date.parse(line?.time ?? 'missing');

describe.skipIf(skipUnless({ root: isRoot }))('many services at once: start --all, boot and shutdown', () => {
  let work: string;
  let hearthd: TestHearthd;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-bulk-'));
    const key = await keygen(join(work, 'key.pem'));
    await execa('bash', [join(EXAMPLES, 'hello-world/build-image.sh')]);
    hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000));
    await hearthd.trust(key);
    for (const id of IDS) {
      // Under test/fixtures/.work, so the package resolves @hearth/sdk.
      const dir = join(FIXTURES, '.work', id);
      await writePackage(dir, id, join(EXAMPLES, 'hello-world/image'));
      await hearthd.json('install', await packDir(dir, 'noop.sh', key, join(work, `${id}.hpk`)));
    }
  });

  afterAll(async () => {
    for (const id of IDS) await hearthd?.cli('uninstall', id, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
    for (const id of IDS) await rm(join(FIXTURES, '.work', id), { recursive: true, force: true });
  });

  test('start --all: every service ready; independent ones begin together, a dependent only after its dependency is ready', async () => {
    const result = await hearthd.json<{ services: { id: string; ready: boolean }[]; failed: unknown[] }>('start', '--all');
    expect(result.failed).toEqual([]);
    expect(result.services.map((s) => [s.id, s.ready]).sort()).toEqual(IDS.map((id) => [id, true]).sort());
    const begin = (id: string): number => at(linesOf(hearthd, 'starting (many at once)', id)[0]);
    // db and solo both began before either's start finished; app began once db was ready.
    expect(Math.max(begin('bulk-db'), begin('bulk-solo'))).toBeLessThanOrEqual(Math.min(at(linesOf(hearthd, 'started', 'bulk-db')[0]), at(linesOf(hearthd, 'started', 'bulk-solo')[0])));
    expect(begin('bulk-app')).toBeGreaterThanOrEqual(at(linesOf(hearthd, 'ready', 'bulk-db')[0]));
  });

  test('hearthd stops them at shutdown dependents first, and starts them all again at boot, with the same order', async () => {
    await hearthd.stop();
    for (const id of IDS) expect(await containerRunning(join(hearthd.dataDir, 'lxc'), `hearth-${id}`)).toBe(false);
    expect(at(linesOf(hearthd, 'stopped', 'bulk-app')[0])).toBeLessThanOrEqual(at(linesOf(hearthd, 'stopping (many at once)', 'bulk-db')[0]));
    const before = linesOf(hearthd, 'starting (many at once)', 'bulk-app').length;
    await hearthd.launch();
    // `start` of a service the boot is starting waits for it to be ready.
    for (const id of IDS) expect((await hearthd.json<{ ready: boolean }>('start', id)).ready).toBe(true);
    const list = await hearthd.json<ServiceSummary[]>('ls');
    expect(list.every((s) => s.state === 'running' && s.queued === undefined)).toBe(true);
    const appBegin = linesOf(hearthd, 'starting (many at once)', 'bulk-app');
    expect(appBegin.length).toBe(before + 1);
    expect(at(appBegin.at(-1))).toBeGreaterThanOrEqual(at(linesOf(hearthd, 'ready', 'bulk-db').at(-1)));
  });
});
