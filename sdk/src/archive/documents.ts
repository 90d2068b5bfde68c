import type { ImageConfig } from '../contract/paths.js';
import { HearthError } from '../errors.js';
import { isSafeMemberName } from './tar.js';
import { INDEX_FORMAT, SIGNATURE_FORMAT, type IndexDocument, type SignatureDocument } from './format.js';

/** Strict parsers for the JSON documents inside an archive: shape checked before any field is used. */

const HINT = 're-download the package, or re-pack it with hearth-pack';

function parseJson(data: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    throw new HearthError('ARCHIVE_NOT_HPK', `${what} is not JSON`, { hint: HINT });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HearthError('ARCHIVE_NOT_HPK', `${what} is not a JSON object`, { hint: HINT });
  return value as Record<string, unknown>;
}

/** The exact bytes hearth-pack writes for a signature document. */
export function serializeSignature(doc: SignatureDocument): Buffer {
  return Buffer.from(`${JSON.stringify({ format: doc.format, algorithm: doc.algorithm, publicKey: doc.publicKey, signature: doc.signature }, null, 2)}\n`);
}

export function parseSignature(data: Buffer): SignatureDocument {
  const doc = parseJson(data, 'signature.json');
  if (doc['format'] !== SIGNATURE_FORMAT || doc['algorithm'] !== 'ed25519' || typeof doc['publicKey'] !== 'string' || typeof doc['signature'] !== 'string') {
    throw new HearthError('ARCHIVE_BAD_SIGNATURE', `signature.json is not a ${SIGNATURE_FORMAT} ed25519 signature`, { hint: HINT });
  }
  const parsed: SignatureDocument = { format: SIGNATURE_FORMAT, algorithm: 'ed25519', publicKey: doc['publicKey'], signature: doc['signature'] };
  // signature.json is not covered by the signature: only its one canonical spelling is accepted.
  if (!serializeSignature(parsed).equals(data)) throw new HearthError('ARCHIVE_BAD_SIGNATURE', 'signature.json is not in its canonical form', { hint: HINT });
  return parsed;
}

/** The index is signed, so a malformed one means a buggy packer, not an attacker; still refuse it clearly. */
export function parseIndex(data: Buffer): IndexDocument {
  const doc = parseJson(data, 'index.json');
  const members = doc['members'];
  if (doc['format'] !== INDEX_FORMAT || typeof doc['packageId'] !== 'string' || typeof doc['version'] !== 'string' || typeof doc['manifestSha256'] !== 'string' || !Array.isArray(members)) {
    throw new HearthError('ARCHIVE_NOT_HPK', `index.json is not a ${INDEX_FORMAT} index`, { hint: HINT });
  }
  const names = new Set<string>();
  const parsed = members.map((m: unknown, i) => {
    const member = m as Record<string, unknown> | null;
    const name = member?.['name'];
    const size = member?.['size'];
    const sha256 = member?.['sha256'];
    if (typeof name !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new HearthError('ARCHIVE_NOT_HPK', `index.json member ${i} is malformed`, { hint: HINT });
    }
    if (!isSafeMemberName(name)) throw new HearthError('ARCHIVE_UNSAFE_PATH', `index.json lists an unsafe name ${JSON.stringify(name)}`, { hint: HINT });
    if (names.has(name) || name === 'signature.json' || name === 'index.json') {
      throw new HearthError('ARCHIVE_DUPLICATE_MEMBER', `index.json lists ${name} twice`, { hint: HINT });
    }
    names.add(name);
    return { name, size, sha256 };
  });
  return { format: INDEX_FORMAT, packageId: doc['packageId'], version: doc['version'], manifestSha256: doc['manifestSha256'], members: parsed };
}

function stringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

export function parseImageConfig(data: Buffer, imageId: string): ImageConfig {
  const doc = parseJson(data, `images/${imageId}.json`);
  const { entrypoint, cmd, env, workdir, user } = doc;
  const ok =
    (entrypoint === null || stringArray(entrypoint)) &&
    (cmd === null || stringArray(cmd)) &&
    stringArray(env) &&
    typeof workdir === 'string' &&
    workdir.startsWith('/') &&
    typeof user === 'string';
  if (!ok) throw new HearthError('MANIFEST_INVALID', `images/${imageId}.json is not an image config {entrypoint, cmd, env, workdir, user}`, { hint: HINT });
  return { entrypoint, cmd, env, workdir, user };
}
