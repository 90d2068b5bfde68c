import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { imageConfig, staticBusybox, tarOf, writeDockerSave, writeOciLayout } from '../support/image-archives.js';
import { PACK_TIMEOUT_MS } from '../support/packages.js';
import { HEARTH_PACK, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const PORT_BASE = 19_000 + Math.floor(Math.random() * 10_000);
const APP_UID = 1000;

const SOURCE = `import { Daemons, defineManifest, healthChecks } from '@hearth/sdk';

export const manifest = defineManifest({
  id: 'registry-images',
  title: 'Registry images',
  version: '1.0.0',
  images: {
    oci: { source: { type: 'oci-layout', path: 'oci', tag: '1.0' } },
    saved: { source: { type: 'docker-archive', path: 'saved.tar', tag: 'demo/web:1.0' } },
  },
  interfaces: { oci: { name: 'From OCI', port: 8080 }, saved: { name: 'From docker save', port: 8081 } },
});

// No command, no user: both come from the image config.
export const main = () =>
  Daemons.of(manifest)
    .add('from-oci', { image: 'oci', ready: healthChecks.http(8080, '/') })
    .add('from-docker', { image: 'saved', env: { PORT: '8081' }, ready: healthChecks.http(8081, '/') });
`;

/** Two layers as a registry image has them: the lower one owned partly by a non-root user, the upper one deleting a file (whiteout). */
async function layers(): Promise<Buffer[]> {
  const app = { uid: APP_UID, gid: APP_UID };
  const lower = tarOf([
    { path: 'bin/', type: '5' },
    { path: 'bin/busybox', data: await staticBusybox(), mode: 0o755 },
    ...['sh', 'httpd', 'id', 'ps', 'ls', 'cat'].map((name) => ({ path: `bin/${name}`, type: '2' as const, linkpath: 'busybox' })),
    { path: 'etc/', type: '5' },
    { path: 'etc/passwd', data: `root:x:0:0:root:/root:/bin/sh\napp:x:${APP_UID}:${APP_UID}:app:/www:/bin/sh\n` },
    { path: 'etc/group', data: `root:x:0:\napp:x:${APP_UID}:\n` },
    { path: 'tmp/', type: '5', mode: 0o1777 },
    { path: 'www/', type: '5', ...app },
    { path: 'www/index.html', data: 'from a registry image\n', ...app },
    { path: 'www/secret.txt', data: 'deleted by the upper layer\n', ...app },
  ]);
  const upper = tarOf([
    { path: 'www/.wh.secret.txt' },
    { path: 'www/upper.txt', data: 'from the upper layer\n', ...app },
  ]);
  return [lower, upper];
}

const CONFIG = {
  User: 'app',
  Entrypoint: ['/bin/sh', '-c'],
  Cmd: ['id > /www/id.txt && exec httpd -f -p "$PORT" -h /www'],
  Env: ['PATH=/bin', 'PORT=8080'],
  WorkingDir: '/www',
};

describe.skipIf(skipUnless({ root: isRoot }))('images from an OCI layout and a docker save archive, with a non-root user and a whiteout', () => {
  let work: string;
  let hearthd: TestHearthd;
  let status: ServiceStatus;
  let archive: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-images-'));
    const dir = join(work, 'registry-images');
    await execa('node', [HEARTH_PACK, 'init', dir], { timeout: PACK_TIMEOUT_MS });
    await writeFile(join(dir, 'src/index.ts'), SOURCE);
    const layerTars = await layers();
    const config = imageConfig(layerTars, CONFIG);
    await writeOciLayout(join(dir, 'oci'), layerTars, config, '1.0');
    await writeDockerSave(join(dir, 'saved.tar'), layerTars, config, 'demo/web:1.0');
    await execa('node', [HEARTH_PACK, 'keygen', '--out', join(work, 'key.pem')]);
    archive = join(work, 'registry-images.hpk');
    await execa('node', [HEARTH_PACK, dir, '--key', join(work, 'key.pem'), '--out', archive], { timeout: PACK_TIMEOUT_MS });
    hearthd = await TestHearthd.start(PORT_BASE);
    await hearthd.trust(join(work, 'key.pem'));
    await hearthd.json('install', archive);
    status = await hearthd.json<ServiceStatus>('start', 'registry-images');
  }, PACK_TIMEOUT_MS);

  afterAll(async () => {
    await hearthd?.cli('uninstall', 'registry-images', '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('inspect shows each image config as imported and the command and user each daemon gets from it', async () => {
    const inspect = JSON.parse((await execa('node', [HEARTH_PACK, 'inspect', archive, '--json'])).stdout) as {
      images: { id: string; config: Record<string, unknown> }[];
      daemons: { id: string; command: string[]; commandFrom: string; user: string; userFrom: string; workdir: string; env: string[] }[];
    };
    const expectedConfig = { entrypoint: CONFIG.Entrypoint, cmd: CONFIG.Cmd, env: CONFIG.Env, workdir: '/www', user: 'app' };
    expect(inspect.images).toEqual([expect.objectContaining({ id: 'oci', config: expectedConfig }), expect.objectContaining({ id: 'saved', config: expectedConfig })]);
    const command = [...CONFIG.Entrypoint, ...CONFIG.Cmd];
    expect(inspect.daemons).toEqual([
      expect.objectContaining({ id: 'from-oci', command, commandFrom: 'image', user: 'app', userFrom: 'image', workdir: '/www', env: ['PATH=/bin', 'PORT=8080'] }),
      expect.objectContaining({ id: 'from-docker', command, commandFrom: 'image', user: 'app', userFrom: 'image', env: ['PATH=/bin', 'PORT=8081'] }),
    ]);
  });

  test.each([
    ['from-oci', 'oci'],
    ['from-docker', 'saved'],
  ])('%s runs as the image user, serving the flattened layers: the whited-out file is gone', async (daemon, iface) => {
    expect(status.daemons).toContainEqual(expect.objectContaining({ id: daemon, state: 'ready' }));
    const url = status.interfaces.find((i) => i.id === iface)?.url ?? '';
    expect(await (await fetch(`${url}id.txt`)).text()).toMatch(new RegExp(`^uid=${APP_UID}\\(app\\) gid=${APP_UID}\\(app\\)`));
    expect(await (await fetch(`${url}upper.txt`)).text()).toBe('from the upper layer\n');
    expect((await fetch(`${url}secret.txt`)).status).toBe(404);
    const ps = await hearthd.cli('exec', 'registry-images', '--daemon', daemon, '--', 'ps');
    expect(ps.exitCode, ps.stderr).toBe(0);
    expect(ps.stdout).toMatch(/\bapp\s+.*httpd -f -p/);
    const ls = await hearthd.cli('exec', 'registry-images', '--daemon', daemon, '--', 'ls', '/www');
    expect(ls.stdout.split(/\s+/).filter(Boolean).sort()).toEqual(['id.txt', 'index.html', 'upper.txt']);
  });
});
