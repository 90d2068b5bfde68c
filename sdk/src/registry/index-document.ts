import { HearthError } from '../errors.js';
import type { KeyObject } from 'node:crypto';
import { fingerprint, publicKeyOf, signBytes, verifyBytes } from '../archive/signing.js';

/**
 * A registry's signed index, as static files serve it (apt's InRelease, in JSON): one file,
 * `index.json`, an envelope holding the exact payload text and the registry key's ed25519
 * signature over it. One file, so a reader never sees a new index with an old signature.
 */

export const ENVELOPE_FORMAT = 'hearth-registry-v1';
export const INDEX_FILE = 'index.json';
/** An index larger than this is refused before parsing (thousands of packages fit in far less). */
export const MAX_INDEX_BYTES = 16 * 1024 * 1024;

export interface RegistryVersion {
  /** Path of the .hpk relative to the registry's root. */
  file: string;
  size: number;
  sha256: string;
  /** The oldest hearth that can install it, or null for any. */
  minHearth: string | null;
  /** Other packages it needs: id → version range (from the manifest). */
  dependencies: Record<string, string>;
  published: string;
}

export interface RegistryPackage {
  title: string;
  description: string;
  /** Path of an icon relative to the registry's root, or null. */
  icon: string | null;
  /** The raw ed25519 key (base64) every version must be signed with. */
  publisher: string;
  versions: Record<string, RegistryVersion>;
}

export interface RegistryIndex {
  format: typeof ENVELOPE_FORMAT;
  /** Raised by one on every publish: a host refuses an index older than one it has seen. */
  version: number;
  issued: string;
  /** After this instant hosts refuse the index: a mirror cannot keep serving a stale one forever. */
  expires: string;
  packages: Record<string, RegistryPackage>;
}

export interface IndexEnvelope {
  format: typeof ENVELOPE_FORMAT;
  /** The index as JSON text: the signature covers these exact bytes. */
  payload: string;
  publicKey: string;
  signature: string;
}

const ID_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const VERSION_RE = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const SHA256_RE = /^[0-9a-f]{64}$/;
const FILE_RE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const MAX_TEXT = 4096;

function bad(message: string): never {
  throw new HearthError('REGISTRY_BAD_SIGNATURE', `the registry index is malformed: ${message}`, { hint: 'the registry (or a mirror) serves a damaged index; tell its operator' });
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, what: string, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.length > max) bad(`${what} is not a string of at most ${max} characters`);
  return value;
}

function file(value: unknown, what: string): string {
  const path = text(value, what, 512);
  if (!FILE_RE.test(path) || path.split('/').some((s) => s === '.' || s === '..')) bad(`${what} is not a plain relative path`);
  return path;
}

function instant(value: unknown, what: string): string {
  const iso = text(value, what, 64);
  if (Number.isNaN(Date.parse(iso))) bad(`${what} is not a date`);
  return iso;
}

function parseVersion(value: unknown, where: string): RegistryVersion {
  const v = object(value, where);
  const size = v['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) bad(`${where}.size is not a byte count`);
  const sha256 = text(v['sha256'], `${where}.sha256`);
  if (!SHA256_RE.test(sha256)) bad(`${where}.sha256 is not a hex sha256`);
  const minHearth = v['minHearth'] === null ? null : text(v['minHearth'], `${where}.minHearth`, 64);
  if (minHearth !== null && !VERSION_RE.test(minHearth)) bad(`${where}.minHearth is not a version`);
  const deps = object(v['dependencies'] ?? {}, `${where}.dependencies`);
  const dependencies: Record<string, string> = {};
  for (const [id, range] of Object.entries(deps)) {
    if (!ID_RE.test(id)) bad(`${where}.dependencies has a bad id`);
    dependencies[id] = text(range, `${where}.dependencies.${id}`, 256);
  }
  return { file: file(v['file'], `${where}.file`), size, sha256, minHearth, dependencies, published: instant(v['published'], `${where}.published`) };
}

/** Shape-check a payload (after its signature verified: a malformed one is still refused clearly). */
export function parseIndexPayload(payload: string): RegistryIndex {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    bad('the payload is not JSON');
  }
  const doc = object(json, 'the index');
  if (doc['format'] !== ENVELOPE_FORMAT) bad(`format is not ${ENVELOPE_FORMAT}`);
  const version = doc['version'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) bad('version is not a positive integer');
  const packages: Record<string, RegistryPackage> = Object.create(null) as Record<string, RegistryPackage>;
  for (const [id, value] of Object.entries(object(doc['packages'], 'packages'))) {
    if (!ID_RE.test(id)) bad(`package id ${JSON.stringify(id.slice(0, 64))} is not a package id`);
    const p = object(value, `packages.${id}`);
    const versions: Record<string, RegistryVersion> = Object.create(null) as Record<string, RegistryVersion>;
    for (const [v, entry] of Object.entries(object(p['versions'], `packages.${id}.versions`))) {
      if (!VERSION_RE.test(v)) bad(`packages.${id} has a version that is not one`);
      versions[v] = parseVersion(entry, `packages.${id}.versions.${v}`);
    }
    const publisher = text(p['publisher'], `packages.${id}.publisher`, 64);
    if (Buffer.from(publisher, 'base64').length !== 32) bad(`packages.${id}.publisher is not an ed25519 key`);
    packages[id] = {
      title: text(p['title'], `packages.${id}.title`, 256),
      description: text(p['description'] ?? '', `packages.${id}.description`),
      icon: p['icon'] === null || p['icon'] === undefined ? null : file(p['icon'], `packages.${id}.icon`),
      publisher,
      versions,
    };
  }
  return { format: ENVELOPE_FORMAT, version, issued: instant(doc['issued'], 'issued'), expires: instant(doc['expires'], 'expires'), packages };
}

/**
 * Read an index file and verify it with the registry's public key (base64 raw ed25519). Throws
 * REGISTRY_BAD_SIGNATURE for anything but a well-formed index signed by that key.
 */
export function openIndex(bytes: Buffer, registryKey: string): RegistryIndex {
  if (bytes.length > MAX_INDEX_BYTES) bad(`it is ${bytes.length} bytes; at most ${MAX_INDEX_BYTES} are read`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    bad('it is not JSON');
  }
  const envelope = object(json, 'the envelope');
  if (envelope['format'] !== ENVELOPE_FORMAT) bad(`format is not ${ENVELOPE_FORMAT}`);
  const payload = text(envelope['payload'], 'payload', MAX_INDEX_BYTES);
  const publicKey = text(envelope['publicKey'], 'publicKey', 64);
  const signature = text(envelope['signature'], 'signature', 128);
  if (publicKey !== registryKey || !verifyBytes(registryKey, Buffer.from(payload, 'utf8'), signature)) {
    throw new HearthError('REGISTRY_BAD_SIGNATURE', `the registry index is not signed by the registry's key ${fingerprint(registryKey).slice(0, 16)}`, {
      hint: 'the index was altered (or the registry changed its key): check the key you added with `hearth registry add`',
      details: { claimedKey: publicKey },
    });
  }
  return parseIndexPayload(payload);
}

/** The exact bytes of an envelope, as publish writes it. */
export function serializeEnvelope(envelope: IndexEnvelope): Buffer {
  return Buffer.from(`${JSON.stringify({ format: envelope.format, publicKey: envelope.publicKey, signature: envelope.signature, payload: envelope.payload })}\n`);
}

/** The index file for `index`, signed with the registry's private key. */
export function signIndex(index: RegistryIndex, registryKey: KeyObject): Buffer {
  const payload = JSON.stringify(index, null, 2);
  return serializeEnvelope({ format: ENVELOPE_FORMAT, payload, publicKey: publicKeyOf(registryKey), signature: signBytes(registryKey, Buffer.from(payload, 'utf8')) });
}
