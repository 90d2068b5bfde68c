import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exportArchive, type ExportReport } from '../../host/dist/kube/export.js';
import { writeImageLayouts } from '../../host/dist/kube/oci/layouts.js';
import { TestHearthd } from '../support/hearthd.js';
import { packDir, packExample, publisherKey } from '../support/packages.js';
import { REPO, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';
import { checkLayout } from './oci.js';
import { Podman } from './podman.js';

const hasTool = async (tool: string): Promise<boolean> => (await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).exitCode === 0;
const tools = { root: isRoot, podman: await hasTool('podman'), skopeo: await hasTool('skopeo'), unsquashfs: await hasTool('unsquashfs') };
const PAGE_DEADLINE_MS = 20_000;
const PORT_BASE = 20_000 + Math.floor(Math.random() * 9000);

/**
 * The round trip: pack, `hearth kube export` (manifests and OCI image layouts), the layouts load
 * into a real engine, `podman kube play` runs the exported pod, and the page answers.
 */
describe.skipIf(skipUnless(tools))('exported packages run on a real engine', () => {
  let work: string;
  const exported: Record<string, ExportReport> = {};

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-kube-'));
    const key = await publisherKey(join(work, 'key.pem'));
    const hello = await packExample('hello-world', key, join(work, 'hello.hpk'));
    const pair = await packDir(join(REPO, 'test/fixtures/kube-pair'), 'build-image.sh', key, join(work, 'pair.hpk'));
    exported['hello'] = await exportArchive({ archive: hello, out: join(work, 'hello'), images: writeImageLayouts });
    exported['pair'] = await exportArchive({ archive: pair, out: join(work, 'pair'), images: writeImageLayouts });
  }, 120_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('each image is an OCI image layout whose digests, sizes and diffID match, that skopeo reads, the same bytes on a second export', async () => {
    const report = exported['hello'];
    if (report === undefined) throw new Error('no export');
    const dir = join(work, 'hello', 'images', 'main');
    const { tag, config, layers } = await checkLayout(dir);
    expect(tag).toBe('1.0.0');
    expect(config.rootfs.diff_ids).toEqual(layers.map((l) => l.digest));
    const listing = (await execa('tar', ['-tvf', join(dir, 'blobs', 'sha256', (layers[0]?.digest ?? '').slice(7))])).stdout;
    expect(listing).toMatch(/^-rwx\S* 0\/0 .* 1970-01-01 00:00 bin\/busybox$/m);
    const inspect = JSON.parse((await execa('skopeo', ['inspect', `oci:${dir}:1.0.0`])).stdout) as { Layers: string[]; Os: string };
    expect(inspect).toMatchObject({ Os: 'linux', Layers: [layers[0]?.digest] });
    const again = await exportArchive({ archive: join(work, 'hello.hpk'), out: join(work, 'hello-again'), images: writeImageLayouts });
    expect(again.images).toEqual(report.images);
    expect(await readFile(join(work, 'hello-again', 'images', 'main', 'index.json'))).toEqual(await readFile(join(dir, 'index.json')));
  });

  test('an installed service is exported by its id, from the archive hearthd keeps (the same objects as from the file)', async () => {
    await using hearthd = await TestHearthd.start(PORT_BASE);
    await hearthd.trust(join(work, 'key.pem'));
    expect((await hearthd.cli('install', join(work, 'hello.hpk'))).exitCode).toBe(0);
    const r = await hearthd.cli('kube', 'export', 'hello-world', '--no-images', '--out', join(work, 'by-id'));
    expect(r.stderr).toBe('');
    expect(await readFile(join(work, 'by-id', 'statefulset.yaml'), 'utf8')).toBe(await readFile(join(work, 'hello', 'statefulset.yaml'), 'utf8'));
    expect((await hearthd.cli('kube', 'export', 'no-such-service', '--no-images', '--out', join(work, 'none'))).stderr).toMatch(/no-such-service/);
  }, 60_000);

  test('podman kube play runs the exported hello-world from its exported image, and the page answers', async () => {
    await using podman = await Podman.create(join(work, 'podman-hello'));
    await podman.load(join(work, 'hello', 'images', 'main:1.0.0'), 'localhost/hearth/hello-world-main:1.0.0');
    await podman.run(['kube', 'play', '--network', 'none', join(work, 'hello', 'podman.yaml')]);
    expect(await podman.page('hello-world-web', 80, PAGE_DEADLINE_MS)).toContain('Hello from hearth');
  });

  test('a two-image package: the task ran (and exited 0) before the daemon that needs it, which serves what the task wrote', async () => {
    await using podman = await Podman.create(join(work, 'podman-pair'));
    for (const image of ['tools', 'web']) await podman.load(join(work, 'pair', 'images', `${image}:1.0.0`), `localhost/hearth/kube-pair-${image}:1.0.0`);
    await podman.run(['kube', 'play', '--network', 'none', join(work, 'pair', 'podman.yaml')]);
    expect(await podman.page('kube-pair-web', 8080, PAGE_DEADLINE_MS)).toBe('written by the task');
    const state = async (c: string): Promise<{ ExitCode: number; StartedAt: string; FinishedAt: string; Restarts: number }> =>
      JSON.parse(await podman.run(['inspect', '--format', '{"ExitCode":{{.State.ExitCode}},"StartedAt":"{{.State.StartedAt}}","FinishedAt":"{{.State.FinishedAt}}","Restarts":{{.RestartCount}}}', c])) as never;
    const task = await state('kube-pair-write-page');
    const web = await state('kube-pair-web');
    // Once, exited 0, before the daemon started; and the daemon's first start held (busybox httpd exits when its -h folder is missing).
    expect(task).toMatchObject({ ExitCode: 0, Restarts: 0 });
    expect(web.Restarts).toBe(0);
    const time = (t: string): number => Date.parse(t.replace(/(\.\d{3})\d*/, '$1').replace(' +0000 UTC', 'Z').replace(' ', 'T'));
    expect(time(task.FinishedAt)).toBeLessThanOrEqual(time(web.StartedAt));
  });
});
