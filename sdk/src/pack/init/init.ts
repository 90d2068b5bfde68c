import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { HearthError } from '../../errors.js';
import { TEMPLATES, templateFiles, type Template } from './templates.js';
import { installOffline, ownSdk, packSdkTarball, type SdkPackage } from './vendor-sdk.js';

const ID_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_ID_LENGTH = 63;
const FALLBACK_ID = 'my-package';

/** A package id from a folder name: `My Site_2` → `my-site-2`. */
export function idFromName(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, MAX_ID_LENGTH)
    .replace(/-+$/, '');
  return ID_RE.test(id) ? id : FALLBACK_ID;
}

export interface InitOptions {
  dir: string;
  /** @default 'busybox' */
  template?: Template;
  /** @default derived from the folder's name */
  id?: string;
  /** Run `npm install` (offline) after writing the files. @default true */
  install?: boolean;
  /** The SDK to vendor. @default the one this hearth-pack belongs to */
  sdk?: SdkPackage;
}

export interface InitResult {
  dir: string;
  id: string;
  template: Template;
  files: string[];
  sdkTarball: string;
  installed: boolean;
}

/**
 * Scaffold a package in `dir` (new or empty), anywhere on the machine: its files, and
 * `@hearth/sdk` vendored from this hearth as `vendor/hearth-sdk-<version>.tgz` and installed from
 * there, so the package resolves the SDK without the hearth checkout and without a registry.
 */
export async function initPackage(options: InitOptions): Promise<InitResult> {
  const dir = resolve(options.dir);
  const template = options.template ?? 'busybox';
  if (!TEMPLATES.includes(template)) {
    throw new HearthError('INVALID_PARAMS', `unknown template ${JSON.stringify(template)}`, { hint: `choose one of ${TEMPLATES.join(', ')}` });
  }
  const id = options.id ?? idFromName(basename(dir));
  if (!ID_RE.test(id) || id.length > MAX_ID_LENGTH) {
    throw new HearthError('INVALID_PARAMS', `${JSON.stringify(id)} is not a package id`, { hint: 'lowercase letters, digits and dashes, starting with a letter: --id my-site' });
  }
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new HearthError('INVALID_PARAMS', `cannot use ${dir}: ${error.message}`, { hint: 'choose a folder you can write to' });
  });
  if (existing.length > 0) {
    throw new HearthError('INVALID_PARAMS', `${dir} is not empty (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''})`, {
      hint: 'init writes a new package: give it a new or empty folder',
      details: { dir },
    });
  }
  const sdk = options.sdk ?? ownSdk();
  const tarball = await packSdkTarball(sdk, join(dir, 'vendor'));
  const sdkTarball = relative(dir, tarball);
  const files = templateFiles(template, { id, sdkTarball, sdkVersion: sdk.version });
  for (const file of files) {
    const path = join(dir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content, { flag: 'wx' });
    if (file.mode !== undefined) await chmod(path, file.mode);
  }
  if (options.install ?? true) await installOffline(dir);
  return { dir, id, template, files: [...files.map((f) => f.path), sdkTarball], sdkTarball, installed: options.install ?? true };
}
