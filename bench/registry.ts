/**
 * Install by name from a local registry: a ~200 MB package served as static files on 127.0.0.1,
 * `registry.install` timed from the call to the answer (index fetch and checks, download, sha256
 * against the index, publisher check, the install path's own verification, store). Baseline in the
 * same run: `curl` of the same file from the same server, then `sha256sum` of it. Run as root.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { TestHearthd } from '../test/support/hearthd.js';
import { keygen } from '../test/support/packages.js';
import { RegistryServer } from '../test/support/registry-server.js';
import { HEARTH_PACK, REPO } from '../test/support/repo.js';
import { HostClient } from '../host/src/cli/client.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
/** Incompressible bytes in the image, so the package is about this large whatever the compressor does. */
const BLOB_MIB = 200;
const PORT_BASE = 19_000 + Math.floor(Math.random() * 10_000);
const WORK_PACKAGE = join(REPO, 'bench/.work/registry-big');

interface Stats { median: number; min: number; max: number }
const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { median: s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2, min: s[0] ?? 0, max: s[s.length - 1] ?? 0 };
};

/** A package of one busybox httpd daemon whose image also holds BLOB_MIB of random bytes. */
async function writeBigPackage(dir: string): Promise<void> {
  await mkdir(join(dir, 'src'), { recursive: true });
  await mkdir(join(dir, 'image/bin'), { recursive: true });
  await mkdir(join(dir, 'image/www'), { recursive: true });
  await cp('/bin/busybox', join(dir, 'image/bin/busybox'));
  await writeFile(join(dir, 'image/www/index.html'), 'big\n');
  if (!existsSync(join(dir, 'image/blob'))) await execa('dd', ['if=/dev/urandom', `of=${join(dir, 'image/blob')}`, 'bs=1M', `count=${BLOB_MIB}`]);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'big', private: true, type: 'module' }));
  await writeFile(join(dir, 'src/index.ts'), `import { Daemons, defineManifest } from '@hearth/sdk';
export const manifest = defineManifest({ id: 'big', title: 'Big', version: '1.0.0', images: { main: { source: { type: 'directory', path: 'image' } } } });
export const main = () => Daemons.of(manifest).add('web', { image: 'main', command: ['/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', '/www'] });
`);
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'hearth-bench-registry-'));
  const site = join(work, 'site');
  let server: RegistryServer | null = null;
  let hearthd: TestHearthd | null = null;
  try {
    const publisher = await keygen(join(work, 'publisher.pem'));
    const registryPem = await keygen(join(work, 'registry.pem'));
    await writeBigPackage(WORK_PACKAGE);
    const hpk = join(work, 'big.hpk');
    await execa('node', [HEARTH_PACK, WORK_PACKAGE, '--key', publisher, '--out', hpk]);
    await execa('node', [HEARTH_PACK, 'publish', hpk, '--registry', site, '--key', registryPem]);
    const size = (await stat(hpk)).size;
    server = await RegistryServer.start(site);
    hearthd = await TestHearthd.start(PORT_BASE);
    await hearthd.trust(publisher);
    const registryKey = (await execa('node', [HEARTH_PACK, 'pubkey', '--key', registryPem])).stdout.trim();
    await using client = await HostClient.connect(hearthd.socket);
    await client.call('registry.add', { name: 'local', url: server.url, publicKey: registryKey });

    const hearth: number[] = [];
    const curl: number[] = [];
    const download = join(work, 'download.hpk');
    for (let i = 0; i <= RUNS; i += 1) {
      let t = performance.now();
      await client.call('registry.install', { id: 'big' });
      const hMs = performance.now() - t;
      await client.call('package.uninstall', { id: 'big', purge: true });
      t = performance.now();
      await execa('curl', ['-sf', '-o', download, `${server.url}packages/big/big-1.0.0.hpk`]);
      await execa('sha256sum', [download]);
      const cMs = performance.now() - t;
      await rm(download, { force: true });
      if (i > 0) {
        hearth.push(hMs);
        curl.push(cMs);
      }
    }
    const h = stats(hearth);
    const c = stats(curl);
    const cell = (s: Stats): string => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
    process.stdout.write(`\ninstall by name of a ${(size / 1024 / 1024).toFixed(0)} MiB package from a registry on 127.0.0.1, ${RUNS} runs\n`);
    process.stdout.write(`| scenario | median (min–max) ms | × baseline |\n|---|---|---|\n`);
    process.stdout.write(`| hearth install big (index, download, sha256, publisher, verify, store) | ${cell(h)} | ${(h.median / c.median).toFixed(2)} |\n`);
    process.stdout.write(`| curl + sha256sum of the same file (baseline) | ${cell(c)} | 1 |\n`);
  } finally {
    await hearthd?.[Symbol.asyncDispose]();
    await server?.[Symbol.asyncDispose]();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
