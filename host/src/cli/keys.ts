import { createPublicKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { HearthError, errorMessage } from '@hearth/sdk/contract';
import { verifyArchive } from '@hearth/sdk/archive';

/**
 * The raw base64 public key for `hearth trust add`: given as such, read from a PEM key file
 * (private or public), or taken from the signature of an .hpk (which is verified first).
 */
export async function publicKeyFrom(arg: string): Promise<string> {
  const isFile = await stat(arg).then((s) => s.isFile(), () => false);
  if (!isFile) {
    if (Buffer.from(arg, 'base64').length === 32) return arg;
    throw new HearthError('INVALID_PARAMS', `${JSON.stringify(arg)} is neither a file nor a base64 ed25519 public key`, {
      hint: 'give the public key hearth-pack keygen printed, a .pem key file, or an .hpk signed by the key',
    });
  }
  if (arg.endsWith('.hpk')) return (await verifyArchive(arg)).signer.publicKey;
  try {
    const key = createPublicKey(await readFile(arg, 'utf8'));
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new HearthError('INVALID_PARAMS', `${arg} is a ${key.asymmetricKeyType ?? 'unknown'} key, not ed25519`, { hint: 'make keys with hearth-pack keygen' });
    }
    return Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url').toString('base64');
  } catch (error) {
    if (error instanceof HearthError) throw error;
    throw new HearthError('INVALID_PARAMS', `${arg} is not an ed25519 PEM key: ${errorMessage(error)}`, { hint: 'make keys with hearth-pack keygen', cause: error });
  }
}
