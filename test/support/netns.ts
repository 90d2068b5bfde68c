import { randomBytes } from 'node:crypto';
import { execa, type ResultPromise } from 'execa';

const NETNS_TIMEOUT_MS = 10_000;

/**
 * A network namespace this test made (`ip netns add`), deleted on dispose with every process the
 * test started in it. Everything the network tests send stays inside such namespaces.
 */
export class TestNetns implements AsyncDisposable {
  private readonly children: ResultPromise[] = [];

  private constructor(readonly name: string) {}

  static async create(label: string): Promise<TestNetns> {
    const ns = new TestNetns(`hth-${label}-${randomBytes(3).toString('hex')}`);
    await execa('ip', ['netns', 'add', ns.name], { timeout: NETNS_TIMEOUT_MS });
    await ns.run('ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** Runs a command in the namespace and returns its stdout; throws on a non-zero exit. */
  async run(file: string, args: readonly string[], input?: string): Promise<string> {
    const result = await execa('ip', ['netns', 'exec', this.name, file, ...args], { input, timeout: NETNS_TIMEOUT_MS });
    return result.stdout;
  }

  /** A long-running process in the namespace (a server), killed by its pid on dispose. */
  spawn(file: string, args: readonly string[]): ResultPromise {
    const child = execa('ip', ['netns', 'exec', this.name, file, ...args], { reject: false, stdin: 'ignore' });
    this.children.push(child);
    return child;
  }

  /** HTTP status of a GET from inside the namespace, or 0 when no connection was made in time. */
  async httpStatus(url: string, extra: readonly string[] = []): Promise<number> {
    const result = await execa('ip', ['netns', 'exec', this.name, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '2', ...extra, url], {
      reject: false,
      timeout: NETNS_TIMEOUT_MS,
    });
    return Number(result.stdout) || 0;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const child of this.children) if (child.pid !== undefined) child.kill('SIGKILL');
    await Promise.allSettled(this.children);
    await execa('ip', ['netns', 'del', this.name], { timeout: NETNS_TIMEOUT_MS, reject: false });
  }
}

/** Moves one end of a new veth pair into `inner` as eth0; `outer` keeps `outerName`. */
export async function vethBetween(outer: TestNetns, outerName: string, inner: TestNetns, mac?: string): Promise<void> {
  await outer.run('ip', ['link', 'add', outerName, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', inner.name]);
  if (mac !== undefined) await inner.run('ip', ['link', 'set', 'eth0', 'address', mac]);
  await inner.run('ip', ['link', 'set', 'eth0', 'up']);
  await outer.run('ip', ['link', 'set', outerName, 'up']);
}

/** The link between a test's host namespace and the one standing in for the internet (TEST-NET-1: never routed anywhere real). */
export const UPLINK = { host: '192.0.2.1', internet: '192.0.2.2' } as const;

/**
 * A namespace standing in for the internet beside `host` (linked as `uplink`, its default route
 * back through `host`), serving `siteRoot` with busybox httpd at http://UPLINK.internet/.
 */
export async function internetBeside(host: TestNetns, siteRoot: string): Promise<TestNetns> {
  const internet = await TestNetns.create('inet');
  try {
    await vethBetween(host, 'uplink', internet);
    await host.run('ip', ['addr', 'add', `${UPLINK.host}/24`, 'dev', 'uplink']);
    await internet.run('ip', ['addr', 'add', `${UPLINK.internet}/24`, 'dev', 'eth0']);
    await internet.run('ip', ['route', 'add', 'default', 'via', UPLINK.host]);
    void internet.spawn('busybox', ['httpd', '-f', '-p', '80', '-h', siteRoot]);
    return internet;
  } catch (error) {
    await internet[Symbol.asyncDispose]();
    throw error;
  }
}

/**
 * What hearth's network looked like, for a test that timed out reaching a service: the host's
 * neighbours, bridge ports and forwarding table, the links, each named service's addresses and
 * routes as it sees them, and the ruleset. `exec` runs a shell command in a service.
 */
export async function networkDiagnostics(host: TestNetns, services: string[], exec: (id: string, script: string) => Promise<string>): Promise<string> {
  const show = async (run: Promise<string>): Promise<string> => await run.catch((error: unknown) => String(error));
  const parts = [
    `host neighbours:\n${await show(host.run('ip', ['neigh', 'show', 'dev', 'hearth0']))}`,
    `bridge ports:\n${await show(host.run('bridge', ['link', 'show']))}`,
    `bridge fdb:\n${await show(host.run('bridge', ['fdb', 'show', 'br', 'hearth0']))}`,
    `links:\n${await show(host.run('ip', ['-d', 'link', 'show']))}`,
    `conntrack:\n${await show(host.run('cat', ['/proc/net/nf_conntrack']))}`,
  ];
  for (const id of services) parts.push(`in ${id}:\n${await show(exec(id, 'ip addr; ip route; ip neigh; cat /etc/hosts'))}`);
  parts.push(`firewall:\n${await show(host.run('nft', ['list', 'ruleset']))}`);
  return parts.join('\n');
}
