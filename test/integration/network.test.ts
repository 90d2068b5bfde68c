import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NetworkRules, PackageSummary, ServiceStatus, ServiceSummary } from '@hearth/sdk/contract';
import { hostResolvers } from '../../host/dist/network/resolvers.js';
import { TestHearthd } from '../support/hearthd.js';
import { internetBeside, networkDiagnostics, TestNetns, UPLINK } from '../support/netns.js';
import { keygen, packDir } from '../support/packages.js';
import { FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

/**
 * hearthd with its bridge network, run in a namespace this test made (the host's own network is
 * never touched), beside a second namespace standing in for the internet. Three fixtures: netdb
 * offers `db` and `admin`; netapp declares a dependency on netdb's `db`; netweb asks for outbound
 * access and depends on nothing.
 */
const PORT_BASE = 22_000 + Math.floor(Math.random() * 500);
const POLL = { timeout: 30_000, interval: 200 };
/** How long a dependent may take to reach its dependency again after a restart. */
const REACH = { timeout: 15_000, interval: 500 };
const SUBNET = /^10\.123\.0\.\d+$/;
/** One probe from inside a service (a CLI exec running nc) may take this long on a loaded machine. */
const ONE_PROBE_MS = 3_000;

describe.skipIf(skipUnless({ root: isRoot }))('services on hearth’s bridge', () => {
  let work: string;
  let host: TestNetns;
  let internet: TestNetns;
  let hearthd: TestHearthd;
  const installed: Record<string, PackageSummary> = {};

  /**
   * The body of an HTTP GET made from inside `id`, or null when no answer came (refused or dropped).
   * With busybox nc: the static busybox's wget crashes in images without a libc.
   */
  const fetchIn = async (id: string, url: string): Promise<string | null> => {
    const { hostname, port } = new URL(url);
    const result = await hearthd.cli('exec', id, '--', 'sh', '-c', `printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 ${hostname} ${port || '80'}`);
    const [, body] = result.stdout.split('\r\n\r\n');
    return result.stdout.startsWith('HTTP/1.') && body !== undefined ? body.trim() : null;
  };
  const status = (id: string): Promise<ServiceStatus> => hearthd.json<ServiceStatus>('status', id);
  /**
   * Polls until `id` gets `body` from `url`. Right after a restart a first connection was seen lost
   * under load (cause not found), so tries are bounded, and a timeout says what the network looked like.
   */
  const expectReaches = async (id: string, url: string, body: string): Promise<void> => {
    const deadline = Date.now() + REACH.timeout;
    for (;;) {
      if ((await fetchIn(id, url)) === body) return;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, REACH.interval));
    }
    const diagnostics = await networkDiagnostics(host, [id, 'netdb'], async (service, script) => {
      const result = await hearthd.cli('exec', service, '--', 'sh', '-c', script);
      return result.stdout + result.stderr;
    });
    throw new Error(`${id} did not get ${JSON.stringify(body)} from ${url} within ${REACH.timeout} ms\n${diagnostics}`);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-net-'));
    host = await TestNetns.create('host');
    await writeFile(join(work, 'index.html'), 'upstream\n');
    internet = await internetBeside(host, work);

    const key = await keygen(join(work, 'key.pem'));
    const archives: Record<string, string> = {};
    for (const [id, dir] of [['netdb', 'net-db'], ['netapp', 'net-app'], ['netweb', 'net-web']] as const) {
      archives[id] = await packDir(join(FIXTURES, dir), 'build-image.sh', key, join(work, `${id}.hpk`));
    }
    hearthd = await TestHearthd.create(PORT_BASE);
    hearthd.useNetns(host.name);
    await hearthd.launch();
    await hearthd.trust(key);
    for (const id of ['netdb', 'netapp', 'netweb']) installed[id] = await hearthd.json<PackageSummary>('install', archives[id] ?? '');
  }, 900_000);

  afterAll(async () => {
    if (hearthd) {
      for (const id of ['netapp', 'netweb', 'netdb']) await hearthd.cli('uninstall', id, '--purge', '--yes');
      await hearthd[Symbol.asyncDispose]();
    }
    await internet?.[Symbol.asyncDispose]();
    await host?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  test('each service gets its own address at install; outbound access is granted only to the one that asks', () => {
    const addresses = Object.values(installed).map((p) => p.granted?.address);
    for (const address of addresses) expect(address).toMatch(SUBNET);
    expect(new Set(addresses).size).toBe(3);
    expect(installed['netweb']?.granted).toMatchObject({ outbound: true, outboundRequested: true });
    expect(installed['netdb']?.granted).toMatchObject({ outbound: false, outboundRequested: false });
  });

  test('starting a dependent starts its dependency first, and it reaches the declared interface by name', async () => {
    const app = await hearthd.json<ServiceStatus>('start', 'netapp');
    expect(app.ready).toBe(true);
    expect((await status('netdb')).ready).toBe(true);
    expect(await fetchIn('netapp', 'http://netdb.hearth:7000/')).toBe('netdb');
    expect((await status('netdb')).network?.reachableFrom).toEqual([{ id: 'netapp', interfaces: ['db'] }]);
    // hearth ls --json says the same of every service: address, outbound access, who may reach it.
    const listed = await hearthd.json<ServiceSummary[]>('ls');
    expect(listed.find((s) => s.id === 'netdb')?.network).toMatchObject({ address: (await status('netdb')).network?.address, outbound: false, reachableFrom: [{ id: 'netapp', interfaces: ['db'] }] });
    expect(listed.find((s) => s.id === 'netweb')?.network).toMatchObject({ address: installed['netweb']?.granted?.address, outbound: true, outboundRequested: true, reachableFrom: [] });
    // Its package code got the address from dependencyAddress(manifest, 'netdb', 'db').
    expect((await hearthd.cli('exec', 'netapp', '--', 'cat', '/www/db-url')).stdout.trim()).toBe('http://netdb.hearth:7000/');
  });

  test('nothing else passes between services: not an undeclared interface, not a service without the dependency', async () => {
    await hearthd.json('start', 'netweb');
    const db = (await status('netdb')).network?.address ?? '';
    expect(await fetchIn('netapp', 'http://netdb.hearth:7001/')).toBeNull();
    expect(await fetchIn('netweb', `http://${db}:7000/`)).toBeNull();
    expect(await fetchIn('netdb', `http://${(await status('netapp')).network?.address ?? ''}:8080/`)).toBeNull();
  });

  test("hearth's names resolve from every daemon's /etc/hosts; only the service with outbound access gets the host's DNS servers", async () => {
    const file = async (id: string, path: string): Promise<string> => (await hearthd.cli('exec', id, '--', 'cat', path)).stdout;
    expect(await file('netapp', '/etc/hosts')).toMatch(new RegExp(`^${((await status('netdb')).network?.address ?? '').replaceAll('.', '\\.')}\\s+netdb\\.hearth$`, 'm'));
    expect(await file('netweb', '/etc/hosts')).not.toContain('netdb.hearth');
    expect(await file('netdb', '/etc/resolv.conf')).not.toMatch(/nameserver/);
    const servers = [...(await file('netweb', '/etc/resolv.conf')).matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]);
    expect(servers).toEqual(await hostResolvers());
  });

  test('only the service with outbound access reaches the internet, and revoking it closes the way at once', async () => {
    expect(await fetchIn('netweb', `http://${UPLINK.internet}/`)).toBe('upstream');
    expect(await fetchIn('netdb', `http://${UPLINK.internet}/`)).toBeNull();
    expect(await fetchIn('netapp', `http://${UPLINK.internet}/`)).toBeNull();
    expect((await hearthd.json<ServiceStatus>('net', 'outbound', 'netweb', 'off')).network?.outbound).toBe(false);
    expect(await fetchIn('netweb', `http://${UPLINK.internet}/`)).toBeNull();
    await hearthd.json('net', 'outbound', 'netweb', 'on');
    expect(await fetchIn('netweb', `http://${UPLINK.internet}/`)).toBe('upstream');
  });

  test('a service reaches nothing on the host itself', async () => {
    const gateway = (await hearthd.json<NetworkRules>('net')).gateway ?? '';
    void host.spawn('busybox', ['httpd', '-f', '-p', '9999', '-h', work]);
    await expect.poll(() => host.httpStatus('http://127.0.0.1:9999/'), POLL).toBe(200);
    expect(await fetchIn('netweb', `http://${gateway}:9999/`)).toBeNull();
    expect(await fetchIn('netweb', `http://${UPLINK.host}:9999/`)).toBeNull();
  });

  test('hearth net says every rule in words', async () => {
    const rules = await hearthd.json<NetworkRules>('net');
    expect(rules).toMatchObject({ mode: 'bridge', bridge: 'hearth0', subnet: '10.123.0.0/24', gateway: '10.123.0.1' });
    const text = rules.rules.map((r) => r.text);
    expect(text).toContainEqual(expect.stringMatching(/^netapp \(10\.123\.0\.\d+\) may connect to netdb at netdb\.hearth:7000\/tcp \(its interface db\)/));
    expect(text).toContainEqual(expect.stringMatching(/^netweb \(10\.123\.0\.\d+\) may connect to the internet/));
    expect(text.at(-1)).toMatch(/^everything else a service sends is refused/);
  });

  test('an http interface is also served over TLS, with a certificate the exported CA validates', async () => {
    const exported = await hearthd.cli('ca', 'export');
    expect(exported.stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    const caFile = join(work, 'hearth-ca.pem');
    await writeFile(caFile, exported.stdout);
    const web = (await status('netweb')).interfaces[0];
    expect(web?.tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const body = await host.run('curl', ['-sS', '-m', '5', '--cacert', caFile, web?.tlsUrl ?? '']);
    expect(body.trim()).toBe('netweb');
    // Without the CA the client refuses the certificate.
    await expect(host.run('curl', ['-sS', '-m', '5', web?.tlsUrl ?? ''])).rejects.toThrow(/certificate/i);
  });

  test('interfaces answer on their host ports, also while hearthd is down, and addresses survive its restart', async () => {
    const web = (await status('netweb')).interfaces[0];
    const url = `http://127.0.0.1:${web?.hostPort ?? 0}/`;
    await expect.poll(() => host.httpStatus(url), POLL).toBe(200);
    const before = new Map<string, string | undefined>();
    for (const id of ['netdb', 'netapp', 'netweb']) before.set(id, (await status(id)).network?.address);
    await hearthd.kill9();
    expect(await host.httpStatus(url)).toBe(200);
    await hearthd.launch();
    for (const id of ['netdb', 'netapp', 'netweb']) {
      await expect.poll(async () => (await status(id)).ready, POLL).toBe(true);
      expect((await status(id)).network?.address).toBe(before.get(id));
    }
    await expectReaches('netapp', 'http://netdb.hearth:7000/', 'netdb');
  });

  test('a planned restart (hearth server restart) keeps services answering on their host ports; the next hearthd adopts them at their addresses', async () => {
    const web = (await status('netweb')).interfaces[0];
    const url = `http://127.0.0.1:${web?.hostPort ?? 0}/`;
    const before = new Map<string, string | undefined>();
    for (const id of ['netdb', 'netapp', 'netweb']) before.set(id, (await status(id)).network?.address);
    expect(await hearthd.json<{ exitCode: number }>('server', 'restart')).toMatchObject({ exitCode: 75 });
    expect(await hearthd.exited()).toBe(75);
    expect(await host.httpStatus(url)).toBe(200);
    expect(await host.run('ip', ['-o', 'link', 'show', 'hearth0'])).toContain('hearth0');
    const adopted = (): number => hearthd.log.split('adopted a running container').length - 1;
    const adoptedBefore = adopted();
    await hearthd.launch();
    for (const id of ['netdb', 'netapp', 'netweb']) {
      await expect.poll(async () => (await status(id)).ready, POLL).toBe(true);
      expect((await status(id)).network?.address).toBe(before.get(id));
    }
    // Adopted, not started again: the three containers ran on through the restart.
    expect(adopted() - adoptedBefore).toBe(3);
    await expectReaches('netapp', 'http://netdb.hearth:7000/', 'netdb');
  });

  test('a dependent shows it waits while its dependency is down, and reaches it again once it is back at the same address', async () => {
    // The gateway's MAC is hearth's own, so no port leaving or joining the bridge changes it under
    // the services' ARP caches (a bridge left to itself takes its lowest port MAC).
    const gatewayMac = async (): Promise<string | undefined> => (JSON.parse(await host.run('ip', ['-j', 'link', 'show', 'hearth0'])) as { address?: string }[])[0]?.address;
    expect(await gatewayMac()).toBe('02:68:0a:7b:00:01');
    const address = (await status('netdb')).network?.address;
    await hearthd.json('stop', 'netdb');
    expect((await status('netapp')).network?.waitingFor).toEqual(['netdb']);
    expect(await gatewayMac()).toBe('02:68:0a:7b:00:01');
    await hearthd.json('start', 'netdb');
    expect((await status('netdb')).network?.address).toBe(address);
    expect((await status('netapp')).network?.waitingFor).toEqual([]);
    expect(await gatewayMac()).toBe('02:68:0a:7b:00:01');
    await expectReaches('netapp', 'http://netdb.hearth:7000/', 'netdb');
  });

  test('a restart of the dependency breaks the dependent for no longer than the restart itself', async () => {
    await expectReaches('netapp', 'http://netdb.hearth:7000/', 'netdb');
    let t = Date.now();
    expect((await hearthd.json<ServiceStatus>('restart', 'netdb')).ready).toBe(true);
    const restartMs = Date.now() - t;
    t = Date.now();
    await expectReaches('netapp', 'http://netdb.hearth:7000/', 'netdb');
    // Down while netdb restarts, then back at once: what remains is the probe's own time.
    expect(Date.now() - t).toBeLessThanOrEqual(Math.max(restartMs, ONE_PROBE_MS));
  });

  test('stopping hearthd leaves no bridge, veth or rule behind', async () => {
    await hearthd.stop();
    expect(await host.run('nft', ['list', 'tables'])).toBe('');
    const links = await host.run('ip', ['-o', 'link', 'show']);
    expect(links).not.toContain('hearth0');
    expect(links).not.toMatch(/hth[0-9a-f]{8}/);
    await hearthd.launch();
  });

  test('uninstalling the last service leaves no bridge, veth, rule or address behind; hearthd still answers', async () => {
    await expect.poll(async () => (await status('netapp')).ready, POLL).toBe(true);
    const uninstall = async (id: string): Promise<void> => expect((await hearthd.cli('uninstall', id, '--purge', '--yes')).exitCode).toBe(0);
    for (const id of ['netapp', 'netweb']) await uninstall(id);
    // One service left: its rules and pinned address stay, the others' go.
    const left = (await status('netdb')).network?.address ?? '';
    expect(await host.run('ip', ['-4', 'neigh', 'show', 'dev', 'hearth0', 'nud', 'permanent'])).toMatch(new RegExp(`^${left.replaceAll('.', '\\.')} `));
    expect((await host.run('ip', ['-4', 'neigh', 'show', 'dev', 'hearth0', 'nud', 'permanent'])).trim().split('\n')).toHaveLength(1);
    await uninstall('netdb');
    expect(await host.run('nft', ['list', 'tables'])).toBe('');
    const links = await host.run('ip', ['-o', 'link', 'show']);
    expect(links).not.toContain('hearth0');
    expect(links).not.toMatch(/hth[0-9a-f]{8}/);
    expect(await host.run('ip', ['-4', '-o', 'addr', 'show'])).not.toContain('10.123.0.');
    expect((await hearthd.json<NetworkRules>('net')).rules.filter((r) => r.text.includes('may connect'))).toEqual([]);
  });
});
