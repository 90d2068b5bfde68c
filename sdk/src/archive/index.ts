export { verifyArchive, type VerifiedArchive, type ArchiveMember } from './reader.js';
export { writeArchive, type MemberSource, type WriteArchiveOptions } from './writer.js';
export { generatePrivateKeyPem, loadPrivateKey, publicKeyOf, fingerprint } from './signing.js';
export { expectedMembers, type IndexDocument, type SignatureDocument } from './format.js';
export { archiveStartProblem, SNIFF_BYTES } from './sniff.js';
