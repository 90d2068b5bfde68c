// A service's interfaces as hearthd offers them on host ports (relays, TLS) and probes them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { interfaceSocketName, ownValue } from '@hearth/sdk/contract';
import { CONTAINER_ROOT_ID } from '../layout.js';
import { InterfaceRelay } from './relay.js';
import { probeInterface } from './interface-probe.js';
import { TlsRelay } from '../network/tls-relay.js';
import { ensureLeaf } from '../network/ca.js';
import { connectTcp } from '../network/connect.js';
import { connectOwnedSocket } from '../system/safe-socket.js';
import { tlsPortKey } from './ports.js';
import type { CleanupStack } from './cleanup.js';
import type { RunnerContext } from './runner.js';

/** Offer each interface on its host port: over TLS for http with a CA, and through a relay unless on the bridge. */
export async function offerInterfaces(ctx: RunnerContext, cleanup: CleanupStack): Promise<void> {
  await offerTls(ctx, cleanup);
  // On the bridge, the firewall forwards each host port to the service's address (DNAT): no
  // process of hearthd's in the way, so interfaces answer while hearthd restarts.
  if (ctx.network !== null) return;
  for (const [ifaceId, iface] of Object.entries(ctx.manifest.interfaces)) {
    const port = ownValue(ctx.ports, ifaceId);
    if (port === undefined) continue;
    const relay = await InterfaceRelay.listen(ctx.bindAddress, port, join(ctx.paths.socketsDir, interfaceSocketName(ifaceId)), CONTAINER_ROOT_ID, ctx.logger);
    cleanup.push(() => relay.close());
    ctx.logger.info('interface offered', { interface: ifaceId, address: `${ctx.bindAddress}:${port}`, port: iface.port });
  }
}

/**
 * Each http interface over TLS on its own host port, with a certificate from hearth's CA: hearthd
 * terminates TLS (the key never enters the container) and connects to the service's address on
 * the bridge, or to its interface socket in loopback-only mode.
 */
async function offerTls(ctx: RunnerContext, cleanup: CleanupStack): Promise<void> {
  const { tls, manifest, network } = ctx;
  if (tls === null) return;
  const serviceId = manifest.id;
  for (const [ifaceId, iface] of Object.entries(manifest.interfaces)) {
    const port = ownValue(ctx.ports, tlsPortKey(ifaceId));
    if (iface.protocol !== 'http' || port === undefined) continue;
    const leaf = await ensureLeaf(tls.ca, tls.certsDir, serviceId, { dns: [...tls.names.dns, `${serviceId}.hearth`], ips: tls.names.ips });
    const credentials = { key: await readFile(leaf.key), cert: await readFile(leaf.cert) };
    const address = network?.addressOf(serviceId);
    const socketPath = join(ctx.paths.socketsDir, interfaceSocketName(ifaceId));
    const connect = address === undefined ? () => connectOwnedSocket(socketPath, CONTAINER_ROOT_ID) : () => connectTcp(address, iface.port);
    const relay = await TlsRelay.listen(ctx.bindAddress, port, credentials, connect, ctx.logger);
    cleanup.push(() => relay.close());
    ctx.logger.info('interface offered over TLS', { interface: ifaceId, address: `${ctx.bindAddress}:${port}` });
  }
}

/** Why each offered interface does not answer, by interface id (probed through the relay sockets). */
export async function interfaceWarnings(ctx: RunnerContext): Promise<Map<string, string>> {
  const warnings = new Map<string, string>();
  await Promise.all(
    Object.entries(ctx.manifest.interfaces).map(async ([ifaceId, iface]) => {
      if (ownValue(ctx.ports, ifaceId) === undefined) return;
      const warning = await probeInterface(join(ctx.paths.socketsDir, interfaceSocketName(ifaceId)), CONTAINER_ROOT_ID, iface.port);
      if (warning !== null) warnings.set(ifaceId, warning);
    }),
  );
  return warnings;
}
