import { X509Certificate, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { HearthError } from '@hearth/sdk/contract';

export const OPENSSL_TIMEOUT_MS = 30_000;
/** The CA outlives many leaf renewals; a user imports it once. */
export const CA_DAYS = 3650;
/** Within what browsers accept for a TLS server certificate (398 days). */
export const LEAF_DAYS = 397;
/** A leaf is issued again when it has less than this left, or its names changed. */
export const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export interface CaFiles {
  key: string;
  cert: string;
}

export interface LeafFiles {
  key: string;
  cert: string;
}

/** The names a leaf is valid for. */
export interface LeafNames {
  dns: readonly string[];
  ips: readonly string[];
}

async function openssl(args: readonly string[], input?: string): Promise<void> {
  const result = await execa('openssl', args, { input, timeout: OPENSSL_TIMEOUT_MS, reject: false });
  if (result.exitCode !== 0) {
    throw new HearthError('INTERNAL', `openssl ${args[0] ?? ''} failed: ${result.stderr.trim() || result.shortMessage}`, { hint: 'check that openssl is installed (scripts/setup.sh installs it)' });
  }
}

/**
 * hearth's local certificate authority in `dir` (root-only, host-owned): created on first use,
 * an ECDSA P-256 key that never leaves the host, constrained to sign only end certificates.
 * Written to temporary names and renamed, so a crash never leaves a key without its certificate.
 */
export async function ensureCa(dir: string, hostName: string): Promise<CaFiles> {
  const files = { key: join(dir, 'ca.key'), cert: join(dir, 'ca.crt') };
  if (existsSync(files.key) && existsSync(files.cert)) return files;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = { key: `${files.key}.tmp`, cert: `${files.cert}.tmp` };
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', tmp.key]);
  await openssl([
    'req', '-x509', '-new', '-key', tmp.key, '-sha256', '-days', String(CA_DAYS), '-out', tmp.cert,
    '-subj', `/O=hearth/CN=hearth local CA (${hostName.replace(/[/=+,]/g, '-')})`,
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await rename(tmp.cert, files.cert);
  await rename(tmp.key, files.key);
  return files;
}

function sanOf(names: LeafNames): string {
  return [...names.dns.map((d) => `DNS:${d}`), ...names.ips.map((ip) => `IP:${ip}`)].join(',');
}

/** True when the leaf at `cert` is valid for exactly these names for longer than the renewal margin. */
async function leafIsCurrent(cert: string, names: LeafNames, now: number): Promise<boolean> {
  if (!existsSync(cert)) return false;
  try {
    const x509 = new X509Certificate(await readFile(cert));
    const want = [...names.dns.map((d) => `DNS:${d}`), ...names.ips.map((ip) => `IP Address:${ip}`)].sort();
    const have = (x509.subjectAltName ?? '').split(', ').sort();
    return JSON.stringify(want) === JSON.stringify(have) && Date.parse(x509.validTo) - now > RENEW_BEFORE_MS;
  } catch {
    return false; // unreadable: issue it again
  }
}

/** A server certificate for `names`, signed by the CA; reused while current. */
export async function ensureLeaf(ca: CaFiles, dir: string, name: string, names: LeafNames, now = Date.now()): Promise<LeafFiles> {
  const files = { key: join(dir, `${name}.key`), cert: join(dir, `${name}.crt`) };
  if (existsSync(files.key) && (await leafIsCurrent(files.cert, names, now))) return files;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = { key: `${files.key}.tmp`, cert: `${files.cert}.tmp`, csr: `${files.cert}.csr`, ext: `${files.cert}.ext` };
  try {
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', tmp.key]);
    await openssl(['req', '-new', '-key', tmp.key, '-subj', `/O=hearth/CN=${names.dns[0] ?? names.ips[0] ?? name}`, '-out', tmp.csr]);
    await writeFile(tmp.ext, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${sanOf(names)}\n`);
    // A random serial (no shared serial file): leaves of several services are issued concurrently.
    const serial = `0x${randomBytes(16).toString('hex')}`;
    await openssl(['x509', '-req', '-in', tmp.csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', serial, '-days', String(LEAF_DAYS), '-sha256', '-extfile', tmp.ext, '-out', tmp.cert]);
    await rename(tmp.key, files.key);
    await rename(tmp.cert, files.cert);
  } finally {
    await rm(tmp.csr, { force: true });
    await rm(tmp.ext, { force: true });
  }
  return files;
}
