import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR, DEFAULT_SOCKET_PATH, HearthError } from '@hearth/sdk/contract';
import { parseIpv4Net, type Ipv4Net } from './network/ipv4.js';
import { DEFAULT_MAX_PACKAGE_BYTES } from './store/package-file.js';

const MIN_SUBNET_PREFIX = 8;
const MAX_SUBNET_PREFIX = 29;

export interface HostConfig {
  dataDir: string;
  socketPath: string;
  /** Address the interface relays listen on. @default '127.0.0.1' */
  bindAddress: string;
  /** First host port handed to interfaces. @default 8400 */
  portBase: number;
  /** The base rootfs squashfs every container boots from. */
  baseImage: string;
  /** Optional HTTP JSON-RPC listener on loopback, with a bearer token read from `tokenFile`. */
  tcp: { host: string; port: number; tokenFile: string } | null;
  /** `package.install` refuses larger files before copying them. @default 16 GiB */
  maxPackageBytes: number;
  /**
   * `bridge`: each service has an address on hearth's bridge, behind hearth's firewall (the
   * default); `none`: loopback only, interfaces relayed through unix sockets.
   */
  network: { mode: 'bridge'; subnet: Ipv4Net } | { mode: 'none' };
  /** The web dashboard's address (`--web`), or null (`--web off`). @default 127.0.0.1:8380 */
  web: { host: string; port: number } | null;
}

export const DEFAULT_BIND_ADDRESS = '127.0.0.1';
export const DEFAULT_PORT_BASE = 8400;
/** Not Docker's, Podman's, LXC's or libvirt's default range; checked against the host's routes at boot. */
export const DEFAULT_SUBNET = '10.123.0.0/24';
/** The dashboard's port: just below the interfaces' default range (8400 up), and not a well-known one. */
export const DEFAULT_WEB_PORT = 8380;

export const HEARTHD_USAGE = `usage: hearthd [--data-dir DIR] [--socket PATH] [--bind-address ADDR] [--port-base N] [--base-image FILE]
               [--listen-tcp HOST:PORT [--token-file FILE]] [--max-package-bytes N]
               [--network bridge|none] [--subnet CIDR] [--web ADDR:PORT|off]
  --data-dir      state, packages, volumes and logs (default ${DEFAULT_DATA_DIR})
  --socket        control socket, root only (default ${DEFAULT_SOCKET_PATH})
  --bind-address  address service interfaces listen on (default ${DEFAULT_BIND_ADDRESS})
  --port-base     first host port given to interfaces (default ${DEFAULT_PORT_BASE})
  --base-image    base rootfs squashfs (default: the one scripts/build-base.mjs built)
  --listen-tcp    also serve the API as JSON-RPC over HTTP on this loopback address
  --token-file    bearer token for --listen-tcp (default DATA_DIR/api-token, created if missing)
  --max-package-bytes  largest package file install accepts, in bytes or with K, M, G, T (powers of 1024)
                  (default 16G); a larger file is refused before it is copied
  --network       bridge: one address per service on hearth's bridge, behind hearth's firewall
                  (default); none: loopback only, interfaces relayed through unix sockets
  --subnet        the services' IPv4 network on the bridge (default ${DEFAULT_SUBNET}); refused
                  at boot when it overlaps a route of the host
  --web           the web dashboard's address (default 127.0.0.1:${DEFAULT_WEB_PORT}); plain HTTP on loopback,
                  HTTPS with a certificate from hearth's CA on any other address (0.0.0.0:${DEFAULT_WEB_PORT}: the LAN);
                  off: no dashboard`;

/** The base image built in this checkout: build/base/current.json, written by scripts/build-base.mjs. */
function defaultBaseImage(): string {
  const pointer = fileURLToPath(new URL('../../build/base/current.json', import.meta.url));
  if (!existsSync(pointer)) {
    throw new HearthError('INVALID_PARAMS', `no base image: ${pointer} does not exist`, {
      hint: 'build it with `node scripts/build-base.mjs` (npm run build does), or pass --base-image',
    });
  }
  return (JSON.parse(readFileSync(pointer, 'utf8')) as { path: string }).path;
}

function flagError(message: string): HearthError {
  return new HearthError('INVALID_PARAMS', message, { hint: HEARTHD_USAGE });
}

export function parseHostConfig(argv: string[]): HostConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'data-dir': { type: 'string' },
        socket: { type: 'string' },
        'bind-address': { type: 'string' },
        'port-base': { type: 'string' },
        'base-image': { type: 'string' },
        'listen-tcp': { type: 'string' },
        'token-file': { type: 'string' },
        'max-package-bytes': { type: 'string' },
        network: { type: 'string' },
        subnet: { type: 'string' },
        web: { type: 'string' },
      },
    }));
  } catch (error) {
    throw flagError((error as Error).message);
  }
  const bindAddress = values['bind-address'] ?? DEFAULT_BIND_ADDRESS;
  if (isIP(bindAddress) === 0) throw flagError(`--bind-address ${JSON.stringify(bindAddress)} is not an IP address`);
  const portBase = Number(values['port-base'] ?? DEFAULT_PORT_BASE);
  if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65_000) {
    throw flagError(`--port-base ${JSON.stringify(values['port-base'])} must be an integer from 1024 to 65000`);
  }
  const baseImage = resolve(values['base-image'] ?? defaultBaseImage());
  if (!existsSync(baseImage)) throw flagError(`--base-image ${baseImage} does not exist`);
  const dataDir = resolve(values['data-dir'] ?? DEFAULT_DATA_DIR);
  // Both end up in LXC configuration, which splits on whitespace and has no quoting.
  for (const [flag, path] of [['--data-dir', dataDir], ['--base-image', baseImage]] as const) {
    if (/\s/.test(path)) throw flagError(`${flag} ${JSON.stringify(path)} contains whitespace, which LXC configuration cannot hold`);
  }
  let tcp: HostConfig['tcp'] = null;
  if (values['listen-tcp'] !== undefined) {
    const match = /^(.+):(\d+)$/.exec(values['listen-tcp']);
    const host = match?.[1]?.replace(/^\[(.*)\]$/, '$1');
    const port = Number(match?.[2]);
    if (host === undefined || !isLoopback(host) || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw flagError(`--listen-tcp ${JSON.stringify(values['listen-tcp'])} must be a loopback HOST:PORT like 127.0.0.1:7420`);
    }
    tcp = { host, port, tokenFile: resolve(values['token-file'] ?? join(dataDir, 'api-token')) };
  } else if (values['token-file'] !== undefined) {
    throw flagError('--token-file only makes sense with --listen-tcp');
  }
  const maxPackageBytes = values['max-package-bytes'] === undefined ? DEFAULT_MAX_PACKAGE_BYTES : parseByteSize(values['max-package-bytes']);
  if (maxPackageBytes === null) throw flagError(`--max-package-bytes ${JSON.stringify(values['max-package-bytes'])} must be a positive size like 4096, 512M or 16G`);
  const mode = values.network ?? 'bridge';
  if (mode !== 'bridge' && mode !== 'none') throw flagError(`--network ${JSON.stringify(mode)} must be bridge or none`);
  if (mode === 'none' && values.subnet !== undefined) throw flagError('--subnet only makes sense with --network bridge');
  let network: HostConfig['network'] = { mode: 'none' };
  if (mode === 'bridge') {
    let subnet: Ipv4Net;
    try {
      subnet = parseIpv4Net(values.subnet ?? DEFAULT_SUBNET);
    } catch (error) {
      throw flagError(`--subnet: ${(error as Error).message}`);
    }
    if (subnet.prefix > MAX_SUBNET_PREFIX || subnet.prefix < MIN_SUBNET_PREFIX) {
      throw flagError(`--subnet ${values.subnet ?? ''} must be from a /${MIN_SUBNET_PREFIX} to a /${MAX_SUBNET_PREFIX} (room for the gateway and at least one service)`);
    }
    if (isIP(bindAddress) !== 4) throw flagError(`--bind-address ${bindAddress} must be an IPv4 address with --network bridge (services have IPv4 addresses)`);
    network = { mode, subnet };
  }
  return {
    network,
    web: parseWeb(values.web),
    dataDir,
    socketPath: resolve(values.socket ?? DEFAULT_SOCKET_PATH),
    bindAddress,
    portBase,
    baseImage,
    tcp,
    maxPackageBytes,
  };
}

/** `--web`: off, or HOST:PORT with an IP address ([::1]:8380 for IPv6). */
function parseWeb(value: string | undefined): HostConfig['web'] {
  if (value === 'off') return null;
  if (value === undefined) return { host: DEFAULT_BIND_ADDRESS, port: DEFAULT_WEB_PORT };
  const match = /^(.+):(\d+)$/.exec(value);
  const host = match?.[1]?.replace(/^\[(.*)\]$/, '$1');
  const port = Number(match?.[2]);
  if (host === undefined || isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw flagError(`--web ${JSON.stringify(value)} must be off or ADDR:PORT with an IP address, like 127.0.0.1:${DEFAULT_WEB_PORT} or 0.0.0.0:${DEFAULT_WEB_PORT}`);
  }
  return { host, port };
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `4096`, `512M`, `16G` (also `16GiB`): bytes, or null when it is not a positive whole size. */
export function parseByteSize(text: string): number | null {
  const match = /^(\d+)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!match) return null;
  const bytes = Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toUpperCase()] ?? 1);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** The API is only offered on loopback: it controls root-level operations. */
function isLoopback(host: string): boolean {
  return host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}
