/**
 * The cost of hearth's service network, in a network namespace the bench makes (the host's own
 * network is untouched): an HTTP request from the host into a service through its host port by
 * DNAT (bridge), by the unix-socket relay (`--network none`) and over TLS (hearthd terminates
 * it); a request between two services over the bridge beside the same request on a service's own
 * loopback; a 64 MiB download each way in; and start → ready with and without the bridge.
 * Podman's bridge networking is not installed on these machines (ENVIRONMENT.md runs Podman with
 * `netns="none"`), so no Podman rows are printed: the baselines are measured in the same run.
 * Run as root: `npm run bench`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../test/support/hearthd.js';
import { TestNetns } from '../test/support/netns.js';
import { keygen, packDir } from '../test/support/packages.js';
import { FIXTURES } from '../test/support/repo.js';
import { printTable, summarize, type Summary } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const REQUESTS = 200;
const BIG_MIB = 64;

/** `REQUESTS` sequential GETs (a new connection each) from inside `ns`, by a node client: ms each. */
async function requestTimes(ns: TestNetns, url: string, caFile?: string): Promise<number[]> {
  const script = `
    const mod = await import(${JSON.stringify(url.startsWith('https') ? 'node:https' : 'node:http')});
    const { readFileSync } = await import('node:fs');
    const ca = ${caFile ? `readFileSync(${JSON.stringify(caFile)})` : 'undefined'};
    const times = [];
    for (let i = 0; i < ${REQUESTS}; i += 1) {
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

/** ms per request of `count` HTTP requests made with nc from inside a daemon of `id`. */
async function ncLoopMs(hearthd: TestHearthd, id: string, host: string, port: number, count: number): Promise<number> {
  const loop = `i=0; while [ $i -lt ${count} ]; do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} ${port} > /dev/null || exit 1; i=$((i+1)); done`;
  const started = performance.now();
  const result = await hearthd.cli('exec', id, '--timeout', '120000', '--', 'sh', '-c', loop);
  if (result.exitCode !== 0) throw new Error(`the nc loop in ${id} failed: ${result.stderr}`);
  return (performance.now() - started) / count;
}

async function startToReady(hearthd: TestHearthd, id: string): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i <= RUNS; i += 1) {
    await hearthd.json('stop', id);
    const started = performance.now();
    const status = await hearthd.json<ServiceStatus>('start', id);
    if (!status.ready) throw new Error(`${id} not ready`);
    if (i > 0) samples.push(performance.now() - started);
  }
  return samples;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run the benchmark as root: it starts containers');
  const work = await mkdtemp(join(tmpdir(), 'hearth-bench-net-'));
  const namespaces: TestNetns[] = [];
  const daemons: TestHearthd[] = [];
  try {
    const key = await keygen(join(work, 'key.pem'));
    const archives: Record<string, string> = {};
    for (const [id, dir] of [['netdb', 'net-db'], ['netapp', 'net-app'], ['netweb', 'net-web']] as const) {
      archives[id] = await packDir(join(FIXTURES, dir), 'build-image.sh', key, join(work, `${id}.hpk`));
    }
    const launch = async (label: string, flags: string[], portBase: number): Promise<{ ns: TestNetns; hearthd: TestHearthd }> => {
      const ns = await TestNetns.create(label);
      namespaces.push(ns);
      const hearthd = await TestHearthd.create(portBase, flags);
      daemons.push(hearthd);
      hearthd.useNetns(ns.name);
      await hearthd.launch();
      await hearthd.trust(key);
      for (const id of ['netdb', 'netapp', 'netweb']) await hearthd.json('install', archives[id] ?? '');
      await hearthd.json('start', 'netapp');
      await hearthd.json('start', 'netweb');
      // A big file behind netweb's interface, for the downloads.
      await hearthd.cli('exec', 'netweb', '--', 'sh', '-c', `head -c ${BIG_MIB * 1024 * 1024} /dev/zero > /www/big`);
      return { ns, hearthd };
    };
    const bridge = await launch('bench-br', [], 24_100);
    const relay = await launch('bench-none', ['--network', 'none'], 24_200);
    const ca = join(work, 'ca.pem');
    await writeFile(ca, (await bridge.hearthd.cli('ca', 'export')).stdout);
    const web = async (h: TestHearthd) => (await h.json<ServiceStatus>('status', 'netweb')).interfaces[0];
    const b = await web(bridge.hearthd);
    const r = await web(relay.hearthd);
    const tls = b?.tlsUrl ?? '';

    const rtt: Summary[] = [
      summarize('host → service, DNAT (bridge)', await requestTimes(bridge.ns, b?.url ?? '')),
      summarize('host → service, unix-socket relay (--network none)', await requestTimes(relay.ns, r?.url ?? '')),
      summarize('host → service, TLS by hearthd (bridge, new handshake each)', await requestTimes(bridge.ns, tls, ca)),
    ];
    printTable(`HTTP request round trip into a service through its host port (${REQUESTS} requests, new connection each)`, rtt, rtt[1]!);

    const dl = (name: string, samples: number[]): Summary => summarize(name, samples);
    const times = async (f: () => Promise<number>): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i <= RUNS; i += 1) {
        const ms = await f();
        if (i > 0) out.push(ms);
      }
      return out;
    };
    const downloads = [
      dl(`${BIG_MIB} MiB, DNAT (bridge)`, await times(() => downloadMs(bridge.ns, `${b?.url ?? ''}big`))),
      dl(`${BIG_MIB} MiB, unix-socket relay`, await times(() => downloadMs(relay.ns, `${r?.url ?? ''}big`))),
      dl(`${BIG_MIB} MiB, TLS by hearthd`, await times(() => downloadMs(bridge.ns, `${tls}big`, ca))),
    ];
    printTable(`Download through the host port (${RUNS} runs after a warm-up)`, downloads, downloads[1]!);

    const db = (await bridge.hearthd.json<ServiceStatus>('status', 'netdb')).network?.address ?? '';
    const perRequest = async (host: string, port: number, id: string): Promise<number[]> => await times(() => ncLoopMs(bridge.hearthd, id, host, port, 50));
    const between = [
      summarize('netapp → netdb over the bridge (firewall: declared dependency)', await perRequest(db, 7000, 'netapp')),
      summarize('netdb → itself on loopback (same nc loop)', await perRequest('127.0.0.1', 7000, 'netdb')),
    ];
    printTable('A request between services (busybox nc per request, 50 per run)', between, between[1]!);

    const starts = [
      summarize('start → ready, netweb on the bridge', await startToReady(bridge.hearthd, 'netweb')),
      summarize('start → ready, netweb with --network none', await startToReady(relay.hearthd, 'netweb')),
    ];
    printTable(`Cost of the network on start → ready (${RUNS} runs after a warm-up)`, starts, starts[1]!);
    process.stdout.write('\nPodman: not measured here (no bridge networking installed for it on these machines; see ENVIRONMENT.md).\n');
  } finally {
    for (const h of daemons) {
      for (const id of ['netapp', 'netweb', 'netdb']) await h.cli('uninstall', id, '--purge', '--yes');
      await h[Symbol.asyncDispose]();
    }
    for (const ns of namespaces) await ns[Symbol.asyncDispose]();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
