/**
 * The cost of hearth's service network beside Podman's bridge network, in the same run, each in a
 * network namespace the bench makes (the host's own network is untouched). The same busybox image
 * and commands on both sides (the network fixtures: netweb serves a page, netdb is the dependency,
 * netapp the dependent):
 * - an HTTP request from the host into a service through its host port: hearth by DNAT (bridge),
 *   by the unix-socket relay (`--network none`) and over TLS terminated by hearthd; Podman by its
 *   published port (netavark's DNAT) and over TLS by a proxy container on the network;
 * - a 64 MiB download the same ways in;
 * - a request and a 64 MiB transfer between two services, by name (hearth: `netdb.hearth` granted
 *   by the declared dependency; Podman: the container's name through aardvark-dns);
 * - start → ready with the network and without (`--network none` on both sides).
 * Run as root: `npm run bench`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { HostClient } from '../host/src/cli/client.js';
import { ensureCa, ensureLeaf } from '../host/src/network/ca.js';
import { TestHearthd } from '../test/support/hearthd.js';
import { TestNetns } from '../test/support/netns.js';
import { keygen, packDir } from '../test/support/packages.js';
import { FIXTURES } from '../test/support/repo.js';
import { PodmanNet, pollUntil } from './podman-net.js';
import { printPairs, summarize, type Pair } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const REQUESTS_PER_BLOCK = 40;
const BIG_MIB = 64;
const LOOP_REQUESTS = 50;
const LOOP_TRANSFERS = 3;
const PODMAN_WEB_PORT = 24_380;
const PODMAN_TLS_PORT = 24_381;
const WEB_CMD = 'echo netweb > /www/index.html && exec httpd -f -p 8080 -h /www';
const DB_CMD = 'echo netdb > /www/index.html && exec httpd -f -p 7000 -h /www';

/** `count` sequential GETs (a new connection each) from inside `ns`, by a node client: ms each. */
async function requestTimes(ns: TestNetns, url: string, count: number, caFile?: string): Promise<number[]> {
  const script = `
    const mod = await import(${JSON.stringify(url.startsWith('https') ? 'node:https' : 'node:http')});
    const { readFileSync } = await import('node:fs');
    const ca = ${caFile ? `readFileSync(${JSON.stringify(caFile)})` : 'undefined'};
    const times = [];
    for (let i = 0; i < ${count}; i += 1) {
      const t = performance.now();
      await new Promise((resolve, reject) => mod.get(${JSON.stringify(url)}, { agent: false, ca }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject));
      times.push(performance.now() - t);
    }
    process.stdout.write(JSON.stringify(times));`;
  const { stdout } = await execa('nsenter', [`--net=/run/netns/${ns.name}`, '--', process.execPath, '--input-type=module', '-e', script], { timeout: 300_000 });
  return JSON.parse(stdout) as number[];
}

/** Milliseconds to download `url` (`BIG_MIB` MiB) from inside `ns`. */
async function downloadMs(ns: TestNetns, url: string, caFile?: string): Promise<number> {
  const out = await ns.run('curl', ['-sS', '-o', '/dev/null', '-w', '%{time_total}', ...(caFile ? ['--cacert', caFile] : []), url]);
  return Number(out) * 1000;
}

/** Runs a shell command inside a service (hearth exec or podman exec), throwing on failure. */
type Exec = (script: string) => Promise<void>;

/** ms per iteration of `count` runs of `step` inside a service, less one empty exec (the exec's own cost). */
async function loopMs(exec: Exec, step: string, count: number): Promise<number> {
  let t = performance.now();
  await exec(':');
  const empty = performance.now() - t;
  t = performance.now();
  await exec(`i=0; while [ $i -lt ${count} ]; do ${step} || exit 1; i=$((i+1)); done`);
  return (performance.now() - t - empty) / count;
}

const get = (host: string, port: number, path: string): string => `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${host} ${port} > /dev/null`;

/** RUNS samples after a warm-up, hearth and Podman alternating so the machine's load falls on both alike. */
async function alternate(hearth: () => Promise<number>, podman: () => Promise<number>): Promise<[number[], number[]]> {
  const h: number[] = [];
  const p: number[] = [];
  for (let i = 0; i <= RUNS; i += 1) {
    const hs = await hearth();
    const ps = await podman();
    if (i > 0) {
      h.push(hs);
      p.push(ps);
    }
  }
  return [h, p];
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run the benchmark as root: it starts containers');
  const work = await mkdtemp(join(tmpdir(), 'hearth-bench-net-'));
  const namespaces: TestNetns[] = [];
  const daemons: TestHearthd[] = [];
  let podman: PodmanNet | null = null;
  try {
    const key = await keygen(join(work, 'key.pem'));
    const archives: Record<string, string> = {};
    for (const [id, dir] of [['netdb', 'net-db'], ['netapp', 'net-app'], ['netweb', 'net-web']] as const) {
      archives[id] = await packDir(join(FIXTURES, dir), 'build-image.sh', key, join(work, `${id}.hpk`));
    }
    const launch = async (label: string, flags: string[], portBase: number): Promise<{ ns: TestNetns; hearthd: TestHearthd; client: HostClient }> => {
      const ns = await TestNetns.create(label);
      namespaces.push(ns);
      const hearthd = await TestHearthd.create(portBase, flags);
      daemons.push(hearthd);
      hearthd.useNetns(ns.name);
      await hearthd.launch();
      await hearthd.trust(key);
      for (const id of ['netdb', 'netapp', 'netweb']) await hearthd.json('install', archives[id] ?? '');
      // With --network none a dependent cannot reach its dependency, so netapp is refused there.
      const none = flags.includes('none');
      for (const id of none ? ['netweb'] : ['netapp', 'netweb']) await hearthd.json('start', id);
      // A big file behind netweb's interface (and netdb's, for the transfer between services).
      for (const id of none ? ['netweb'] : ['netweb', 'netdb']) await hearthd.cli('exec', id, '--', 'sh', '-c', `head -c ${BIG_MIB * 1024 * 1024} /dev/zero > /www/big`);
      return { ns, hearthd, client: await HostClient.connect(hearthd.socket) };
    };
    const bridge = await launch('bench-br', [], 24_100);
    const relay = await launch('bench-none', ['--network', 'none'], 24_200);
    const ca = join(work, 'ca.pem');
    await writeFile(ca, (await bridge.hearthd.cli('ca', 'export')).stdout);
    const web = async (h: TestHearthd) => (await h.json<ServiceStatus>('status', 'netweb')).interfaces[0];
    const b = await web(bridge.hearthd);
    const r = await web(relay.hearthd);
    const tls = b?.tlsUrl ?? '';

    // Podman: the same image and commands on a bridge network with DNS, ports published on 127.0.0.1.
    const pns = await TestNetns.create('bench-pm');
    namespaces.push(pns);
    const pm = await PodmanNet.create(join(work, 'podman'), pns, join(FIXTURES, 'net-image/build/image'));
    podman = pm;
    const pca = await ensureCa(join(work, 'podman-ca'), 'bench');
    const leaf = await ensureLeaf(pca, join(work, 'podman-ca'), 'proxy', { dns: ['localhost'], ips: ['127.0.0.1'] });
    const tlsDir = join(work, 'podman-tls');
    await mkdir(tlsDir);
    await execa('cp', [leaf.key, join(tlsDir, 'key.pem')]);
    await execa('cp', [leaf.cert, join(tlsDir, 'cert.pem')]);
    await pm.create('web', WEB_CMD, { network: true, publish: `127.0.0.1:${PODMAN_WEB_PORT}:8080` });
    await pm.create('db', DB_CMD, { network: true });
    await pm.create('app', 'exec sleep 2147483647', { network: true });
    await pm.create('webnone', WEB_CMD, { network: false });
    await pm.run(['start', 'web', 'db', 'app']);
    await pm.createTlsProxy('tls', PODMAN_TLS_PORT, 'web', 8080, tlsDir);
    await pm.run(['start', 'tls']);
    const pUrl = `http://127.0.0.1:${PODMAN_WEB_PORT}/`;
    const pTls = `https://127.0.0.1:${PODMAN_TLS_PORT}/`;
    const pCa = pca.cert;
    await pollUntil(async () => (await pns.httpStatus(pUrl)) === 200 && (await pns.httpStatus(pTls, ['--cacert', pCa])) === 200);
    for (const c of ['web', 'db']) await pm.run(['exec', c, 'sh', '-c', `head -c ${BIG_MIB * 1024 * 1024} /dev/zero > /www/big`]);

    // Requests into a service: blocks of requests, hearth and Podman in turn.
    const rtt = async (hearth: [TestNetns, string, string?], pod: [string, string?]): Promise<[Pair[1], Pair[1]]> => {
      const h: number[] = [];
      const p: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        h.push(...(await requestTimes(hearth[0], hearth[1], REQUESTS_PER_BLOCK, hearth[2])));
        p.push(...(await requestTimes(pns, pod[0], REQUESTS_PER_BLOCK, pod[1])));
      }
      return [summarize('hearth', h), summarize('podman', p)];
    };
    const [dnat, published] = await rtt([bridge.ns, b?.url ?? ''], [pUrl]);
    const [relayed, published2] = await rtt([relay.ns, r?.url ?? ''], [pUrl]);
    const [htls, ptls] = await rtt([bridge.ns, tls, ca], [pTls, pCa]);
    printPairs(`HTTP request into a service through its host port (${RUNS * REQUESTS_PER_BLOCK} requests each, new connection each)`, 'ms', [
      ['plain: hearth DNAT (bridge) vs Podman published port (netavark DNAT)', dnat, published],
      ['plain: hearth unix-socket relay (--network none) vs Podman published port', relayed, published2],
      ['TLS, new handshake each: hearthd terminates vs Podman TLS proxy container', htls, ptls],
    ]);

    const dl = async (hu: string, pu: string, hns: TestNetns, hca?: string, pc?: string): Promise<[Pair[1], Pair[1]]> => {
      const [h, p] = await alternate(() => downloadMs(hns, hu, hca), () => downloadMs(pns, pu, pc));
      return [summarize('hearth', h), summarize('podman', p)];
    };
    const downloads: Pair[] = [
      [`${BIG_MIB} MiB: hearth DNAT vs Podman published port`, ...(await dl(`${b?.url ?? ''}big`, `${pUrl}big`, bridge.ns))],
      [`${BIG_MIB} MiB: hearth relay (--network none) vs Podman published port`, ...(await dl(`${r?.url ?? ''}big`, `${pUrl}big`, relay.ns))],
      [`${BIG_MIB} MiB over TLS: hearthd vs Podman TLS proxy container`, ...(await dl(`${tls}big`, `${pTls}big`, bridge.ns, ca, pCa))],
    ];
    printPairs(`Download through the host port (${RUNS} runs after a warm-up)`, 'ms', downloads);

    // Between services, by name, from inside the dependent (busybox nc, the exec's own cost subtracted).
    const hExec = (id: string): Exec => async (script) => {
      const result = await bridge.hearthd.cli('exec', id, '--timeout', '300000', '--', 'sh', '-c', script);
      if (result.exitCode !== 0) throw new Error(`exec in ${id} failed: ${result.stderr}`);
    };
    const pExec = (name: string): Exec => async (script) => void (await pm.run(['exec', name, 'sh', '-c', script]));
    const between = async (hearth: [string, string], pod: [string, string], count: number): Promise<[Pair[1], Pair[1]]> => {
      const [h, p] = await alternate(() => loopMs(hExec(hearth[0]), hearth[1], count), () => loopMs(pExec(pod[0]), pod[1], count));
      return [summarize('hearth', h), summarize('podman', p)];
    };
    printPairs(`Between services, by name, from inside the dependent (${RUNS} runs after a warm-up; the exec's own cost subtracted)`, 'ms', [
      [`a request (nc, ${LOOP_REQUESTS} per run): netapp → netdb.hearth vs app → db (aardvark-dns)`, ...(await between(['netapp', get('netdb.hearth', 7000, '/')], ['app', get('db', 7000, '/')], LOOP_REQUESTS))],
      [`the same request on the service's own loopback`, ...(await between(['netdb', get('127.0.0.1', 7000, '/')], ['db', get('127.0.0.1', 7000, '/')], LOOP_REQUESTS))],
      [`${BIG_MIB} MiB (nc, ${LOOP_TRANSFERS} per run): netapp → netdb.hearth vs app → db`, ...(await between(['netapp', get('netdb.hearth', 7000, '/big')], ['app', get('db', 7000, '/big')], LOOP_TRANSFERS))],
    ]);

    // Start → ready: the call that starts, then the page answering where a user would ask for it.
    const hStart = (h: { ns: TestNetns; client: HostClient }, url: string) => async (): Promise<number> => {
      await h.client.call('service.stop', { id: 'netweb' });
      const t = performance.now();
      await h.client.call('service.start', { id: 'netweb', waitReady: true });
      await pollUntil(async () => (await h.ns.httpStatus(url)) === 200);
      return performance.now() - t;
    };
    const pStart = (name: string, ready: () => Promise<void>) => async (): Promise<number> => {
      await pm.run(['stop', '-t', '10', name]);
      const t = performance.now();
      await pm.run(['start', name]);
      await ready();
      return performance.now() - t;
    };
    const [hb, pb] = await alternate(hStart(bridge, b?.url ?? ''), pStart('web', () => pollUntil(async () => (await pns.httpStatus(pUrl)) === 200)));
    const [hn, pn] = await alternate(hStart(relay, r?.url ?? ''), pStart('webnone', () => pm.waitInside('webnone', 8080)));
    const cost = (a: number[], c: number[]) => summarize('cost', a.map((x, i) => x - (c[i] ?? 0)));
    printPairs(`Start → ready, the page answering (${RUNS} runs after a warm-up)`, 'ms', [
      ['with the network: hearth bridge vs Podman bridge network, port published', summarize('hearth', hb), summarize('podman', pb)],
      ['without: hearth --network none (relay) vs Podman --network none', summarize('hearth', hn), summarize('podman', pn)],
      ['cost of the network (with − without, run by run)', cost(hb, hn), cost(pb, pn)],
    ]);
    for (const h of [bridge, relay]) await h.client.close();
  } finally {
    await podman?.dispose();
    for (const h of daemons) {
      for (const id of ['netapp', 'netweb', 'netdb']) await h.cli('uninstall', id, '--purge', '--yes');
      await h[Symbol.asyncDispose]();
    }
    for (const ns of namespaces) await ns[Symbol.asyncDispose]();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
