import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { flattenDockerArchive } from './docker-archive.js';
import { flattenOciLayout } from './oci-layout.js';

type Entry = { path: string; type?: '0' | '2' | '5'; data?: string; linkpath?: string; mode?: number };

/** A ustar archive of the given entries, as image tools write them. */
function tarOf(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const h = Buffer.alloc(512);
    h.write(e.path, 0, 100);
    h.write(`${(e.mode ?? (e.type === '5' ? 0o755 : 0o644)).toString(8).padStart(7, '0')}\0`, 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write(e.type ?? '0', 156);
    h.write(e.linkpath ?? '', 157, 100);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (let i = 0; i < 512; i += 1) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const layer1 = tarOf([
  { path: 'etc/', type: '5' },
  { path: 'etc/app/', type: '5' },
  { path: 'etc/app/lower.conf', data: 'lower' },
  { path: 'old.txt', data: 'old' },
  { path: 'keep.txt', data: 'keep' },
  { path: 'bin/', type: '5' },
  { path: 'bin/tool', data: 'tool v1', mode: 0o755 },
]);
// The new file comes before the opaque marker: it must survive it.
const layer2 = tarOf([
  { path: 'etc/app/new.conf', data: 'new' },
  { path: 'etc/app/.wh..wh..opq' },
  { path: '.wh.old.txt' },
  { path: 'bin/tool', data: 'tool v2', mode: 0o755 },
  { path: 'link', type: '2', linkpath: 'keep.txt' },
]);
const config = { architecture: 'amd64', os: 'linux', config: { Entrypoint: ['/bin/tool'], Cmd: ['--serve'], Env: ['A=1'], WorkingDir: '/srv', User: '1000:1000' }, rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer1)}`, `sha256:${sha(layer2)}`] } };
const expectedConfig = { entrypoint: ['/bin/tool'], cmd: ['--serve'], env: ['A=1'], workdir: '/srv', user: '1000:1000' };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-oci-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function ociLayout(layers: Buffer[]): Promise<string> {
  const layout = join(dir, 'layout');
  await mkdir(join(layout, 'blobs/sha256'), { recursive: true });
  const put = async (b: Buffer): Promise<{ digest: string; size: number }> => {
    await writeFile(join(layout, 'blobs/sha256', sha(b)), b);
    return { digest: `sha256:${sha(b)}`, size: b.length };
  };
  const configBlob = await put(Buffer.from(JSON.stringify(config)));
  const layerBlobs = [];
  for (const [i, l] of layers.entries()) layerBlobs.push({ mediaType: i === 1 ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar', ...(await put(l)) });
  const manifest = await put(Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob }, layers: layerBlobs })));
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
  return layout;
}

function expectFlattened(root: string): void {
  expect(readFileSync(join(root, 'keep.txt'), 'utf8')).toBe('keep');
  expect(readFileSync(join(root, 'bin/tool'), 'utf8')).toBe('tool v2');
  expect(lstatSync(join(root, 'bin/tool')).mode & 0o777).toBe(0o755);
  expect(existsSync(join(root, 'old.txt'))).toBe(false); // whiteout
  expect(existsSync(join(root, 'etc/app/lower.conf'))).toBe(false); // opaque dir hides the lower layer
  expect(readFileSync(join(root, 'etc/app/new.conf'), 'utf8')).toBe('new'); // ...but not this layer
  expect(readlinkSync(join(root, 'link'))).toBe('keep.txt');
  expect(existsSync(join(root, '.wh.old.txt')) || existsSync(join(root, 'etc/app/.wh..wh..opq'))).toBe(false);
}

describe('flattening container images', () => {
  test('a two-layer OCI layout (one layer gzipped) with a whiteout and an opaque dir', async () => {
    const layout = await ociLayout([layer1, gzipSync(layer2)]);
    const root = join(dir, 'root');
    await mkdir(root);
    expect(await flattenOciLayout(layout, 'v1', root, false)).toEqual(expectedConfig);
    expectFlattened(root);
  });

  test('a docker save archive of the same image', async () => {
    const archive = join(dir, 'image.tar');
    await writeFile(archive, dockerSave());
    const root = join(dir, 'root');
    await mkdir(root);
    expect(await flattenDockerArchive(archive, 'demo:v1', root, false)).toEqual(expectedConfig);
    expectFlattened(root);
  });

  test('a blob that does not match its digest is refused', async () => {
    const layout = await ociLayout([layer1, gzipSync(layer2)]);
    await writeFile(join(layout, 'blobs/sha256', sha(layer1)), tarOf([{ path: 'evil', data: 'swapped' }]));
    await expect(flattenOciLayout(layout, undefined, join(dir, 'root'), false)).rejects.toThrow(/does not match its digest/);
  });

  test('a layer that climbs out with .. is refused and writes nothing outside', async () => {
    const layout = await ociLayout([tarOf([{ path: '../escape', data: 'x' }])]);
    const root = join(dir, 'root');
    await mkdir(root);
    await expect(flattenOciLayout(layout, undefined, root, false)).rejects.toThrow(/climbs out of the image/);
    expect(existsSync(join(dir, 'escape'))).toBe(false);
  });

  test('a symlink used as a parent directory is refused: nothing is written where it points', async () => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    const layout = await ociLayout([tarOf([{ path: 'evil', type: '2', linkpath: outside }, { path: 'evil/pwned', data: 'x' }])]);
    const root = join(dir, 'root');
    await mkdir(root);
    await expect(flattenOciLayout(layout, undefined, root, false)).rejects.toThrow(/goes through the symlink evil/);
    expect(await readdir(outside)).toEqual([]);
  });
});

/** docker save's layout: manifest.json, the config, one uncompressed layer.tar per layer. */
function dockerSave(): Buffer {
  const entries: { path: string; type?: '5'; data?: Buffer }[] = [
    { path: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'cfg.json', RepoTags: ['demo:v1'], Layers: ['l1/layer.tar', 'l2/layer.tar'] }])) },
    { path: 'cfg.json', data: Buffer.from(JSON.stringify(config)) },
    { path: 'l1/', type: '5' },
    { path: 'l1/layer.tar', data: layer1 },
    { path: 'l2/', type: '5' },
    { path: 'l2/layer.tar', data: layer2 },
  ];
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const one = tarOf([{ path: e.path, ...(e.type && { type: e.type }), data: '' }]).subarray(0, 512);
    const data = e.data ?? Buffer.alloc(0);
    one.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    let sum = 0;
    for (let i = 0; i < 512; i += 1) sum += i >= 148 && i < 156 ? 32 : (one[i] ?? 0);
    one.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(one, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
