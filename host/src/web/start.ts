import { readFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '@hearth/sdk/contract';
import type { RpcDispatcher } from '@hearth/sdk/rpc';
import { ensureLeaf, type CaFiles } from '../network/ca.js';
import { ensureDir } from '../layout.js';
import type { Logger } from '../log.js';
import { StaticAssets } from './assets.js';
import { WebAuth } from './auth.js';
import { PasswordFile } from './password.js';
import { SetupCode } from './setup-code.js';
import { WebServer } from './server.js';
import type { UploadStore } from '../store/uploads.js';

/** The dashboard's files, built by web/build.mjs into web/dist of this checkout. */
export const DEFAULT_WEB_ASSETS = fileURLToPath(new URL('../../../web/dist', import.meta.url));
/** Its certificate in the CA's certs dir: a name no service id can take (ids have no underscore). */
const LEAF_NAME = '_dashboard';

export interface WebStartOptions {
  host: string;
  port: number;
  dataDir: string;
  dispatcher: RpcDispatcher;
  uploads: UploadStore;
  ca: CaFiles;
  certsDir: string;
  logger: Logger;
  assetsDir?: string;
}

export function isLoopbackAddress(host: string): boolean {
  return host === '::1' || host.startsWith('127.');
}

/** Where the password and the setup code live: root only. */
export function webDirOf(dataDir: string): string {
  return join(dataDir, 'web');
}

/**
 * Start the dashboard: plain HTTP on loopback (a browser treats it as a secure context), HTTPS with
 * a certificate from hearth's CA on any other address, since the password then crosses a network.
 * A port that is taken does not stop hearthd (services matter more than their dashboard): it says
 * so and runs without one.
 */
export async function startWeb(options: WebStartOptions): Promise<WebServer | null> {
  const { logger } = options;
  const dir = webDirOf(options.dataDir);
  await ensureDir(dir, 'host');
  const password = new PasswordFile(join(dir, 'password.json'));
  const setupCode = new SetupCode(join(dir, 'setup-code'));
  if ((await password.read()) === null) await setupCode.ensure();
  const assets = await StaticAssets.load(options.assetsDir ?? DEFAULT_WEB_ASSETS);
  const names = machineNames();
  let tls: { key: string; cert: string } | null = null;
  if (!isLoopbackAddress(options.host)) {
    const wildcard = options.host === '0.0.0.0' || options.host === '::';
    const ips = new Set(['127.0.0.1', ...(wildcard ? localAddresses() : [options.host])]);
    const leaf = await ensureLeaf(options.ca, options.certsDir, LEAF_NAME, { dns: ['localhost', ...names], ips: [...ips] });
    tls = { key: await readFile(leaf.key, 'utf8'), cert: await readFile(leaf.cert, 'utf8') };
  }
  const auth = new WebAuth(password, setupCode, tls !== null);
  try {
    const server = await WebServer.listen({ host: options.host, port: options.port, dispatcher: options.dispatcher, uploads: options.uploads, auth, assets, hostNames: new Set(names), tls, logger });
    const first = (await password.read()) === null;
    logger.info('serving the web dashboard', {
      url: server.url,
      ...(first ? { setup: `first visit: set a password with the setup code in ${setupCode.path}` } : {}),
      bundleGzipBytes: assets.sizes.gzipBytes,
    });
    return server;
  } catch (error) {
    logger.error('the web dashboard could not listen; hearthd runs without it', {
      address: `${options.host}:${options.port}`,
      error: errorMessage(error),
      hint: 'free the port, or start hearthd with --web ADDR:PORT (another port) or --web off',
    });
    return null;
  }
}

function machineNames(): string[] {
  const name = hostname().toLowerCase();
  return [name, `${name}.local`];
}

/** This machine's own addresses, for the certificate of a dashboard listening on all of them. */
function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && !a.address.startsWith('fe80'))
    .map((a) => a!.address);
}
