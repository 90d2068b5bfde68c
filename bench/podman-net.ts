/**
 * Podman with a bridge network of its own (netavark: a bridge, iptables DNAT for published ports,
 * aardvark-dns for container names), run inside a network namespace the bench made: Podman's
 * bridge, veths, iptables rules and DNS server all live there, so the host's own network is never
 * touched. Storage, run and network-config dirs are private to the bench (as in podman-compare.ts).
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { TestNetns } from '../test/support/netns.js';

/** Not 10.88.0.0/16 (Podman's default network, which Podman refuses to overlap) nor hearth's 10.123.0.0/24. */
export const PODMAN_SUBNET = '10.124.9.0/24';
export const PODMAN_NETWORK = 'benchnet';
const READY_POLL_MS = 10;
const READY_TIMEOUT_MS = 60_000;

/**
 * The TLS terminator a Podman user puts in front of a plain-HTTP service: a proxy container on the
 * same network, here the same Node code as hearthd's TLS relay (tls.createServer piping each
 * decrypted connection to the service), the upstream's name resolved once at start as nginx does.
 */
const TLS_PROXY = `
import { createServer } from 'node:tls';
import { connect } from 'node:net';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
const [upstream, port] = process.argv.slice(2);
const { address } = await lookup(upstream, { family: 4 });
const server = createServer({ key: readFileSync('/tls/key.pem'), cert: readFileSync('/tls/cert.pem'), minVersion: 'TLSv1.2' }, (client) => {
  const up = connect(Number(port), address);
  client.on('error', () => up.destroy());
  up.on('error', () => client.destroy());
  client.pipe(up).pipe(client);
});
server.listen(8443);
process.on('SIGTERM', () => process.exit(0));
`;

export class PodmanNet {
  private constructor(
    private readonly dir: string,
    private readonly ns: TestNetns,
  ) {}

  /** Private config and storage in `dir`; the images: `image` (a rootfs dir) and a Node TLS proxy. */
  static async create(dir: string, ns: TestNetns, image: string): Promise<PodmanNet> {
    await mkdir(dir, { recursive: true });
    // Lowered limits: without CAP_SYS_RESOURCE runc cannot set Podman's defaults here (ENVIRONMENT.md).
    await writeFile(
      join(dir, 'containers.conf'),
      '[containers]\ndefault_ulimits=["nofile=20000:20000","nproc=4096:4096"]\n[engine]\nevents_logger="file"\n[network]\nnetwork_backend="netavark"\n',
    );
    const podman = new PodmanNet(dir, ns);
    await execa('tar', ['-C', image, '-cf', join(dir, 'bb.tar'), '.']);
    await podman.run(['import', join(dir, 'bb.tar'), 'localhost/bb:1']);
    await podman.run(['import', await nodeRootfsTar(dir), 'localhost/tlsproxy:1']);
    await podman.run(['network', 'create', '--subnet', PODMAN_SUBNET, PODMAN_NETWORK]);
    return podman;
  }

  /** `podman …` with the bench's storage, in the bench's namespace (nsenter: the net namespace only, so Podman's own mounts stay visible to its next call). */
  async run(args: readonly string[], reject = true): Promise<string> {
    const result = await execa(
      'nsenter',
      [`--net=/run/netns/${this.ns.name}`, '--', 'podman', '--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'run'), '--network-config-dir', join(this.dir, 'netconf'), '--cgroup-manager', 'cgroupfs', '--runtime', 'runc', ...args],
      { env: { CONTAINERS_CONF: join(this.dir, 'containers.conf') }, reject, timeout: 300_000 },
    );
    return result.stdout;
  }

  /**
   * A container of the busybox image running `command` (catatonit as PID 1, as users do), on the
   * bench's network with its DNS, or with `--network none`; `publish` is `127.0.0.1:HOST:CONTAINER`.
   */
  async create(name: string, command: string, options: { network: boolean; publish?: string }): Promise<void> {
    const net = options.network ? ['--network', PODMAN_NETWORK] : ['--network', 'none'];
    const publish = options.publish ? ['-p', options.publish] : [];
    await this.run(['create', '--init', '--name', name, '--pidfile', this.pidfile(name), ...net, ...publish, 'localhost/bb:1', '/bin/sh', '-c', command]);
  }

  /** The TLS proxy container: `127.0.0.1:hostPort` → (TLS) → `upstream:port` by its name on the network. */
  async createTlsProxy(name: string, hostPort: number, upstream: string, port: number, tlsDir: string): Promise<void> {
    await writeFile(join(this.dir, 'proxy.mjs'), TLS_PROXY);
    await this.run([
      'create', '--init', '--name', name, '--network', PODMAN_NETWORK, '-p', `127.0.0.1:${hostPort}:8443`,
      '-v', `${tlsDir}:/tls:ro`, '-v', `${join(this.dir, 'proxy.mjs')}:/proxy.mjs:ro`,
      'localhost/tlsproxy:1', '/node', '/proxy.mjs', upstream, String(port),
    ]);
  }

  /** The container's PID on the host, from the pidfile Podman writes at each start. */
  async pid(name: string): Promise<number> {
    return Number((await readFile(this.pidfile(name), 'utf8')).trim());
  }

  /** Polls until a GET to `port` inside the container's own network namespace answers 200 (podman-compare's readiness). */
  async waitInside(name: string, port: number): Promise<void> {
    const pid = await this.pid(name);
    await pollUntil(async () => (await execa('nsenter', ['-t', String(pid), '-n', 'busybox', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${port}/`], { reject: false })).exitCode === 0);
  }

  async dispose(): Promise<void> {
    await this.run(['rm', '-f', '-a', '-t', '0'], false);
    await this.run(['network', 'rm', '-f', PODMAN_NETWORK], false);
    // Podman's storage leaves its overlay dir mounted on itself.
    await execa('umount', [join(this.dir, 'root/overlay')], { reject: false });
  }

  private pidfile(name: string): string {
    return join(this.dir, `${name}.pid`);
  }
}

export async function pollUntil(ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not ready within ${READY_TIMEOUT_MS} ms`);
    await sleep(READY_POLL_MS);
  }
}

/** A rootfs of the host's `node` and the libraries `ldd` lists (as the hearth base is built), as a tarball. */
async function nodeRootfsTar(dir: string): Promise<string> {
  const root = join(dir, 'node-rootfs');
  await mkdir(join(root, 'tmp'), { recursive: true });
  await cp(process.execPath, join(root, 'node'));
  const { stdout } = await execa('ldd', [process.execPath]);
  for (const lib of stdout.matchAll(/(\/\S+)/g)) {
    const path = lib[1] ?? '';
    await mkdir(join(root, path, '..'), { recursive: true });
    await cp(path, join(root, path), { dereference: true });
  }
  const tar = join(dir, 'node.tar');
  await execa('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}
