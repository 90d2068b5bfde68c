import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { HearthError } from '../../errors.js';

export const NPM_TIMEOUT_MS = 5 * 60_000;

export interface SdkPackage {
  /** The folder of the `@hearth/sdk` this hearth-pack belongs to. */
  root: string;
  version: string;
}

/** The `@hearth/sdk` this code runs from: the nearest package.json above it named so. */
export function ownSdk(from = dirname(fileURLToPath(import.meta.url))): SdkPackage {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@hearth/sdk' && typeof pkg.version === 'string') return { root: dir, version: pkg.version };
  }
  throw new HearthError('INTERNAL', `no @hearth/sdk package.json above ${from}`, { hint: 'run hearth-pack from a hearth build (npm run build)' });
}

/** Compiled files an author's package needs: the library, not the pack tool nor tests. */
function isLibraryFile(rel: string): boolean {
  return !rel.startsWith('pack/') && !/\.test\.(js|d\.ts)$/.test(rel) && /\.(js|d\.ts)$/.test(rel);
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path, base)));
    else if (entry.isFile()) out.push(relative(base, path));
  }
  return out;
}

async function npm(args: string[], cwd: string, what: string): Promise<string> {
  const result = await execa('npm', args, { cwd, timeout: NPM_TIMEOUT_MS, reject: false, all: true, env: { npm_config_update_notifier: 'false' } });
  if (result.exitCode !== 0) {
    throw new HearthError('PACK_FAILED', `${what}: npm ${args.join(' ')} failed: ${(result.all ?? result.shortMessage).trim().split('\n').slice(-5).join(' | ')}`, {
      hint: result.failed && (result as { code?: string }).code === 'ENOENT' ? 'install npm (it comes with Node.js)' : 'see npm’s message above',
    });
  }
  return result.stdout;
}

/** Packages the library imports (manifest validation reads ranges with npm's `semver`): bundled into the tarball. */
const LIBRARY_DEPENDENCIES = ['semver'] as const;

/** The installed copy of a dependency of the SDK, as Node resolves it from the SDK's folder. */
function installedDependency(sdk: SdkPackage, name: string): { dir: string; version: string } {
  try {
    const file = createRequire(join(sdk.root, 'package.json')).resolve(`${name}/package.json`);
    return { dir: dirname(file), version: (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version };
  } catch (error) {
    throw new HearthError('PACK_FAILED', `${name}, which @hearth/sdk needs, is not installed beside ${sdk.root}`, { hint: 'run npm ci in the hearth checkout', cause: error });
  }
}

/**
 * `@hearth/sdk` as an npm tarball in `destDir`: the library (manifest, daemons, health checks,
 * actions, errors) with its types, made from the installed hearth. Its one dependency (`semver`)
 * is bundled inside, so installing it needs no registry; the pack tool itself stays with hearth.
 */
export async function packSdkTarball(sdk: SdkPackage, destDir: string): Promise<string> {
  const dist = join(sdk.root, 'dist');
  if (!existsSync(join(dist, 'index.js'))) {
    throw new HearthError('PACK_FAILED', `${dist}/index.js is missing: this hearth's SDK is not built`, { hint: 'run npm run build in the hearth checkout' });
  }
  const staging = await mkdtemp(join(tmpdir(), 'hearth-sdk-'));
  try {
    for (const rel of (await listFiles(dist)).filter(isLibraryFile)) {
      await mkdir(dirname(join(staging, 'dist', rel)), { recursive: true });
      await cp(join(dist, rel), join(staging, 'dist', rel));
    }
    const dependencies: Record<string, string> = {};
    for (const name of LIBRARY_DEPENDENCIES) {
      const installed = installedDependency(sdk, name);
      await cp(installed.dir, join(staging, 'node_modules', name), { recursive: true });
      dependencies[name] = installed.version;
    }
    const manifest = {
      name: '@hearth/sdk',
      version: sdk.version,
      description: 'Write hearth packages: manifest, daemons, health checks, actions (the library; hearth-pack comes with hearth)',
      type: 'module',
      license: 'MIT',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      types: './dist/index.d.ts',
      dependencies,
      bundleDependencies: [...LIBRARY_DEPENDENCIES],
    };
    await writeFile(join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await mkdir(destDir, { recursive: true });
    const name = (await npm(['pack', '--ignore-scripts', '--pack-destination', destDir, '--silent'], staging, 'packing @hearth/sdk')).trim().split('\n').pop() ?? '';
    const tarball = join(destDir, name);
    if (!existsSync(tarball)) throw new HearthError('PACK_FAILED', `npm pack did not write ${tarball}`, { hint: 'check npm (npm --version)' });
    return tarball;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** `npm install` in the new package: only the vendored SDK tarball, so no registry is asked. */
export async function installOffline(packageDir: string): Promise<void> {
  await npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], packageDir, `installing @hearth/sdk in ${packageDir}`);
}
