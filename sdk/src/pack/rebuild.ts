import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HearthError } from '../errors.js';
import { verifyArchive } from '../archive/reader.js';
import { generatePrivateKeyPem } from '../archive/signing.js';
import { packPackage, type PackStep } from './pack.js';

export interface RebuildComparison {
  id: string;
  version: string;
  /** The publisher of the published file (the rebuild is signed by a throwaway key). */
  signer: string;
  members: { name: string; size: number; sha256: string }[];
}

/**
 * Pack `sourceDir` again and compare it with a published .hpk. The rebuild cannot carry the
 * publisher's signature, so the comparison is of everything the signature covers: the index of
 * members (names, sizes, sha256) and thus, the reader being strict, every byte after signature.json.
 */
export async function verifyRebuild(sourceDir: string, published: string, options: { cache?: boolean; onProgress?: (step: PackStep) => void } = {}): Promise<RebuildComparison> {
  const original = await verifyArchive(published);
  const work = await mkdtemp(join(tmpdir(), 'hearth-rebuild-'));
  try {
    const key = join(work, 'throwaway.pem');
    await writeFile(key, generatePrivateKeyPem(), { mode: 0o600 });
    const out = join(work, 'rebuilt.hpk');
    await packPackage({ dir: sourceDir, keyPath: key, out, cache: options.cache ?? true, ...(options.onProgress && { onProgress: options.onProgress }) });
    const rebuilt = await verifyArchive(out);
    const byName = new Map(rebuilt.members.map((m) => [m.name, m]));
    const differing = original.members.filter((m) => byName.get(m.name)?.sha256 !== m.sha256).map((m) => m.name);
    const added = rebuilt.members.filter((m) => !original.members.some((o) => o.name === m.name)).map((m) => m.name);
    if (differing.length > 0 || added.length > 0) {
      throw new HearthError('REBUILD_DIFFERS', `${sourceDir} does not rebuild ${published}: ${[...differing, ...added].join(', ')} differ`, {
        hint: 'pack from the same sources, SDK and image inputs (SOURCE_DATE_EPOCH, base images) the publisher used',
        details: {
          members: [...differing, ...added].map((name) => ({ name, published: original.members.find((m) => m.name === name)?.sha256 ?? null, rebuilt: byName.get(name)?.sha256 ?? null })),
        },
      });
    }
    const { manifest } = original;
    return { id: manifest.id, version: manifest.version, signer: original.signer.fingerprint, members: original.members.map(({ name, size, sha256 }) => ({ name, size, sha256 })) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
