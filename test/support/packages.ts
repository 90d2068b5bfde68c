import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { packedOnce, sharedKeyFile } from './pack-cache.js';
import { EXAMPLES, FIXTURES, HEARTH_PACK } from './repo.js';

/** A pack with debootstrap images (notes) takes minutes on a cold cache and a loaded machine; a stuck one still ends. */
export const PACK_TIMEOUT_MS = 840_000;

export async function keygen(out: string): Promise<string> {
  await execa('node', [HEARTH_PACK, 'keygen', '--out', out], { timeout: PACK_TIMEOUT_MS });
  return out;
}

/**
 * The publisher key every test file of this run signs its packages with (a copy at `out`), so a
 * package packed by one file is reused by the next (`packExample`, `packVersion`). Each file's
 * hearthd trusts it on its own. A test that needs a key nobody else has uses `keygen`.
 */
export async function publisherKey(out: string): Promise<string> {
  const shared = sharedKeyFile();
  if (shared === undefined || !existsSync(shared)) return await keygen(out);
  await copyFile(shared, out);
  await chmod(out, 0o600);
  return out;
}

/** The fingerprint of a key file's public key, as `hearth-pack pubkey` prints it. */
export async function fingerprintOf(pem: string): Promise<string> {
  const { stdout } = await execa('node', [HEARTH_PACK, 'pubkey', '--key', pem, '--json'], { timeout: PACK_TIMEOUT_MS });
  return (JSON.parse(stdout) as { fingerprint: string }).fingerprint;
}

/** Build an example's image and pack it with `hearth-pack`, as its author would (once per run: `packedOnce`). */
export async function packExample(name: string, key: string, out: string, buildScript = 'build-image.sh'): Promise<string> {
  return await packExampleDir(join(EXAMPLES, name), buildScript, key, out);
}

/** An example (or a copy of one): its images are built inside it, so its folder is all a pack reads. */
async function packExampleDir(dir: string, buildScript: string, key: string, out: string): Promise<string> {
  await buildImages(dir, buildScript);
  return await packedOnce(dir, key, out, () => hearthPack(dir, key, out));
}

/** Run a package folder's image build script, then `hearth-pack` it. */
export async function packDir(dir: string, buildScript: string, key: string, out: string): Promise<string> {
  await buildImages(dir, buildScript);
  return await hearthPack(dir, key, out);
}

async function buildImages(dir: string, buildScript: string): Promise<void> {
  await execa('bash', [join(dir, buildScript)], { timeout: PACK_TIMEOUT_MS });
}

async function hearthPack(dir: string, key: string, out: string): Promise<string> {
  await execa('node', [HEARTH_PACK, dir, '--key', key, '--out', out], { timeout: PACK_TIMEOUT_MS });
  return out;
}

/** A copy of `archive` with one byte inverted at `offset` (negative: from the end). */
export async function withFlippedByte(archive: string, out: string, offset: number): Promise<string> {
  const bytes = await readFile(archive);
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  await writeFile(out, bytes);
  return out;
}

/**
 * A copy of `archive` (signed by key B) whose signature.json claims another publisher key A: same
 * length, so the tar stays well-formed and only the signature check can catch it.
 */
export async function withClaimedKey(archive: string, claimedPublicKey: string, out: string): Promise<string> {
  const text = (await readFile(archive)).toString('latin1');
  const match = /"publicKey"\s*:\s*"([A-Za-z0-9+/=]+)"/.exec(text);
  if (!match?.[1] || match[1].length !== claimedPublicKey.length) throw new Error('cannot find a publicKey of the same length to replace');
  await writeFile(out, Buffer.from(text.replace(match[1], claimedPublicKey), 'latin1'));
  return out;
}

/** The publisher key an archive's signature.json claims. */
export async function claimedKeyOf(archive: string): Promise<string> {
  const match = /"publicKey"\s*:\s*"([A-Za-z0-9+/=]+)"/.exec((await readFile(archive)).subarray(0, 4096).toString('latin1'));
  if (!match?.[1]) throw new Error(`no publicKey in ${archive}`);
  return match[1];
}

/**
 * Pack a copy of an example with another version in its manifest (an update to install), its
 * source changed further by `edit`. The copy lives under test/fixtures/.work so the package still
 * resolves @hearth/sdk.
 */
export async function packVersion(name: string, version: string, key: string, out: string, buildScript = 'build-image.sh', edit: (source: string) => string = (s) => s): Promise<string> {
  const dir = join(FIXTURES, '.work', `${name}-${version}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // The image build cache comes along: unchanged images are not built again.
  for (const entry of ['package.json', 'src', 'app', buildScript, '.hearth-cache']) {
    // Not a build an interrupted pack left half-done (`*.tmp-<pid>`): it may hold device nodes.
    const complete = (source: string): boolean => !/\.tmp-\d+$/.test(source);
    if (existsSync(join(EXAMPLES, name, entry))) await cp(join(EXAMPLES, name, entry), join(dir, entry), { recursive: true, verbatimSymlinks: true, filter: complete });
  }
  const entry = join(dir, 'src/index.ts');
  const source = await readFile(entry, 'utf8');
  const versioned = source.replace(/version: '[^']+'/, `version: '${version}'`);
  if (versioned === source) throw new Error(`no version to change in ${entry}`);
  const changed = edit(versioned);
  await writeFile(entry, changed);
  return await packExampleDir(dir, buildScript, key, out);
}

/**
 * Pack a copy of a test fixture with another version in its manifest (an update to install). The
 * copy lives one level deeper, under test/fixtures/.work, so the source's paths to sibling
 * fixtures (`'../supervision/...'`) and `buildScript` (relative to the fixture) gain a `../`.
 */
export async function packFixtureVersion(fixture: string, version: string, key: string, out: string, buildScript: string): Promise<string> {
  const dir = join(FIXTURES, '.work', `${fixture}-${version}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const entry of ['package.json', 'src']) await cp(join(FIXTURES, fixture, entry), join(dir, entry), { recursive: true });
  const entry = join(dir, 'src/index.ts');
  const source = await readFile(entry, 'utf8');
  const versioned = source.replace(/version: '[^']+'/, `version: '${version}'`).replaceAll("'../", "'../../");
  if (!/version: '/.test(source)) throw new Error(`no version to change in ${entry}`);
  await writeFile(entry, versioned);
  return await packDir(dir, join('..', buildScript), key, out);
}
