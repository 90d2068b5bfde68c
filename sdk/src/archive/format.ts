/** The documents inside an .hpk, and the member layout every archive must have. */

export const SIGNATURE_FORMAT = 'hearth-signature-v1';
export const INDEX_FORMAT = 'hearth-index-v1';

export interface SignatureDocument {
  format: typeof SIGNATURE_FORMAT;
  algorithm: 'ed25519';
  /** Raw 32-byte ed25519 public key, base64. */
  publicKey: string;
  /** ed25519 signature over the exact bytes of index.json, base64. */
  signature: string;
}

export interface IndexMember {
  name: string;
  size: number;
  /** Hex sha256 of the member's content. */
  sha256: string;
}

export interface IndexDocument {
  format: typeof INDEX_FORMAT;
  packageId: string;
  version: string;
  manifestSha256: string;
  /** Every member after index.json, in archive order. */
  members: IndexMember[];
}

/** Upper bounds for members read into memory; images are streamed and bounded only by the file. */
export const MEMBER_LIMITS = {
  'signature.json': 64 * 1024,
  'index.json': 1024 * 1024,
  'scripts/index.js': 32 * 1024 * 1024,
  imageConfig: 64 * 1024,
} as const;

/** The members after index.json, in order, for a package with these image ids. */
export function expectedMembers(imageIds: string[]): string[] {
  const names = ['manifest.json', 'scripts/index.js'];
  for (const id of [...imageIds].sort()) names.push(`images/${id}.json`, `images/${id}.squashfs`);
  return names;
}
