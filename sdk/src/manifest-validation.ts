import { dict } from './dict.js';
import { HearthError } from './errors.js';
import type { ImageDeclaration, ImageSource, Manifest } from './manifest.js';

/** Checking untrusted manifest data (from a package module or an archive) and filling its defaults. */

export const DEFAULT_PIDS = 1024;
/** The memory limit of a service whose manifest sets none. */
export const DEFAULT_MEMORY_MIB = 1024;
/** The scratch disk of a service whose manifest sets none. */
export const DEFAULT_SCRATCH_MIB = 2048;

export const SDK_VERSION = '0.1.0';
export const MAX_MANIFEST_BYTES = 256 * 1024;

const ID_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const SEMVER_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

function fail(path: string, value: unknown, allowed: string): never {
  throw new HearthError('MANIFEST_INVALID', `manifest.${path} is ${JSON.stringify(value) ?? 'missing'}: ${allowed}`, {
    hint: `fix ${path} in the package's manifest`,
    details: { path, value },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(obj: Record<string, unknown>, key: string, path: string, optional = false): string {
  const v = obj[key];
  if (optional && (v === undefined || v === '')) return '';
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096) fail(path, v, 'expected a non-empty string');
  return v;
}

function checkId(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length > 63 || !ID_RE.test(value)) {
    fail(path, value, 'expected lowercase letters, digits and dashes, starting with a letter, at most 63 characters');
  }
  return value;
}

const RANGE_PART_RE = /^(\*|x|(\^|~|>=|<=|>|<|=)?v?\d+(\.(\d+|x|\*))?(\.(\d+|x|\*))?(-[0-9A-Za-z.-]+)?)$/;

/** npm-style ranges: `*`, `^1.2.0`, `~1.2`, `>=1.0.0 <2.0.0`, alternatives with `||`. */
export function isSemverRange(range: string): boolean {
  const alternatives = range.split('||').map((a) => a.trim());
  return alternatives.every((a) => a.length > 0 && a.split(/\s+/).every((part) => RANGE_PART_RE.test(part)));
}

const PACKAGE_RE = /^[a-z0-9][a-z0-9+.-]*$/;

function validateSource(source: Record<string, unknown>, path: string): ImageSource {
  const type = source['type'];
  const tag = source['tag'];
  if (tag !== undefined && (typeof tag !== 'string' || tag.length === 0)) fail(`${path}.tag`, tag, 'expected a non-empty string');
  const withTag = tag === undefined ? {} : { tag: tag };
  switch (type) {
    case 'directory':
    case 'tarball':
      return { type, path: str(source, 'path', `${path}.path`) };
    case 'oci-layout':
    case 'docker-archive':
      return { type, path: str(source, 'path', `${path}.path`), ...withTag };
    case 'debootstrap': {
      const suite = str(source, 'suite', `${path}.suite`);
      if (!/^[a-z][a-z0-9-]*$/.test(suite)) fail(`${path}.suite`, suite, 'expected a Debian suite name like bookworm');
      const variant = source['variant'] ?? 'minbase';
      if (variant !== 'minbase' && variant !== 'buildd' && variant !== 'fakechroot') fail(`${path}.variant`, variant, "expected 'minbase', 'buildd' or 'fakechroot'");
      const packages = source['packages'] ?? [];
      if (!Array.isArray(packages) || !packages.every((p) => typeof p === 'string' && PACKAGE_RE.test(p))) {
        fail(`${path}.packages`, packages, 'expected an array of Debian package names');
      }
      const mirror = source['mirror'] ?? 'http://deb.debian.org/debian';
      if (typeof mirror !== 'string' || !/^https?:\/\/[^\s]+$/.test(mirror)) fail(`${path}.mirror`, mirror, 'expected an http(s) URL');
      return { type, suite, variant, packages: packages as string[], mirror };
    }
    default:
      fail(`${path}.type`, type, "expected 'directory', 'tarball', 'oci-layout', 'docker-archive' or 'debootstrap'");
  }
}

/** Validate untrusted manifest data (from a package module or an archive); errors name the field path. */
export function validateManifest(input: unknown): Manifest {
  if (!isRecord(input)) fail('', input, 'expected an object');
  const id = checkId(input['id'], 'id');
  const title = str(input, 'title', 'title');
  const version = str(input, 'version', 'version');
  if (!SEMVER_RE.test(version)) fail('version', version, 'expected a semantic version like 1.2.3');

  const imagesIn = input['images'];
  if (!isRecord(imagesIn) || Object.keys(imagesIn).length === 0) fail('images', imagesIn, 'expected at least one image');
  const images = dict<ImageDeclaration>();
  for (const [imageId, decl] of Object.entries(imagesIn)) {
    checkId(imageId, `images.${imageId}`);
    if (!isRecord(decl) || !isRecord(decl['source'])) fail(`images.${imageId}.source`, decl, 'expected { source: {...} }');
    const source = validateSource(decl['source'], `images.${imageId}.source`);
    const addIn = decl['add'] ?? [];
    if (!Array.isArray(addIn)) fail(`images.${imageId}.add`, addIn, 'expected an array of { from, to }');
    const add = addIn.map((entry: unknown, i) => {
      const where = `images.${imageId}.add[${i}]`;
      if (!isRecord(entry)) fail(where, entry, 'expected { from, to }');
      const to = str(entry, 'to', `${where}.to`);
      if (!to.startsWith('/') || to.split('/').includes('..')) fail(`${where}.to`, to, 'expected an absolute path inside the image, without ..');
      return { from: str(entry, 'from', `${where}.from`), to };
    });
    if (add.length > 0 && source.type === 'directory') fail(`images.${imageId}.add`, addIn, "not for 'directory' sources: put the files in the directory");
    images[imageId] = add.length > 0 ? { source, add } : { source };
  }

  const volumesIn = input['volumes'] ?? [];
  if (!Array.isArray(volumesIn)) fail('volumes', volumesIn, 'expected an array of volume ids');
  const volumes = volumesIn.map((v, i) => checkId(v, `volumes[${i}]`));
  if (new Set(volumes).size !== volumes.length) fail('volumes', volumes, 'expected unique ids');

  const interfacesIn = input['interfaces'] ?? {};
  if (!isRecord(interfacesIn)) fail('interfaces', interfacesIn, 'expected an object of interfaces by id');
  const interfaces: Manifest['interfaces'] = dict();
  for (const [ifaceId, decl] of Object.entries(interfacesIn)) {
    checkId(ifaceId, `interfaces.${ifaceId}`);
    if (!isRecord(decl)) fail(`interfaces.${ifaceId}`, decl, 'expected { name, port, protocol? }');
    const port = decl['port'];
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      fail(`interfaces.${ifaceId}.port`, port, 'expected an integer port 1-65535');
    }
    const protocol = decl['protocol'] ?? 'http';
    if (protocol !== 'http' && protocol !== 'tcp') fail(`interfaces.${ifaceId}.protocol`, protocol, "expected 'http' or 'tcp'");
    interfaces[ifaceId] = { name: str(decl, 'name', `interfaces.${ifaceId}.name`), port, protocol };
  }

  const resourcesIn = input['resources'] ?? {};
  if (!isRecord(resourcesIn)) fail('resources', resourcesIn, 'expected { memoryMiB?, cpus?, pids?, scratchMiB? }');
  const number = (key: string, min: number, max: number, integer: boolean): number | null => {
    const v = resourcesIn[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      fail(`resources.${key}`, v, `expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return v;
  };
  for (const key of Object.keys(resourcesIn)) {
    if (!['memoryMiB', 'cpus', 'pids', 'scratchMiB'].includes(key)) fail(`resources.${key}`, resourcesIn[key], 'unknown; expected memoryMiB, cpus, pids or scratchMiB');
  }
  const resources = {
    memoryMiB: number('memoryMiB', 16, 1024 * 1024, true) ?? DEFAULT_MEMORY_MIB,
    cpus: number('cpus', 0.01, 1024, false),
    pids: number('pids', 16, 4_194_304, true) ?? DEFAULT_PIDS,
    scratchMiB: number('scratchMiB', 64, 1024 * 1024, true) ?? DEFAULT_SCRATCH_MIB,
  };

  const dependenciesIn = input['dependencies'] ?? {};
  if (!isRecord(dependenciesIn)) fail('dependencies', dependenciesIn, 'expected an object of { version } by package id');
  const dependencies: Manifest['dependencies'] = dict();
  for (const [depId, dep] of Object.entries(dependenciesIn)) {
    checkId(depId, `dependencies.${depId}`);
    if (depId === id) fail(`dependencies.${depId}`, depId, 'a package cannot depend on itself');
    const range = isRecord(dep) ? dep['version'] : undefined;
    if (typeof range !== 'string' || !isSemverRange(range)) fail(`dependencies.${depId}.version`, range, 'expected a semver range like ^1.2.0, ~1.2, >=1.0.0 <2.0.0 or *');
    const usesIn = (dep as Record<string, unknown>)['interfaces'] ?? [];
    if (!Array.isArray(usesIn)) fail(`dependencies.${depId}.interfaces`, usesIn, 'expected an array of interface ids of that package');
    const uses = usesIn.map((u, i) => checkId(u, `dependencies.${depId}.interfaces[${i}]`));
    dependencies[depId] = { version: range, interfaces: [...new Set(uses)] };
  }
  const networkIn = input['network'] ?? {};
  if (!isRecord(networkIn)) fail('network', networkIn, 'expected { outbound?: boolean }');
  const outbound = networkIn['outbound'] ?? false;
  if (typeof outbound !== 'boolean') fail('network.outbound', outbound, 'expected true or false');
  for (const key of Object.keys(networkIn)) if (key !== 'outbound') fail(`network.${key}`, networkIn[key], 'unknown field; network has only outbound');
  const url = (key: string): string => {
    const v = input[key];
    if (v === undefined || v === '') return '';
    if (typeof v !== 'string' || !/^https?:\/\/\S+$/.test(v)) fail(key, v, 'expected an http(s) URL');
    return v;
  };

  const sdkVersion = input['sdkVersion'] ?? SDK_VERSION;
  if (typeof sdkVersion !== 'string' || !SEMVER_RE.test(sdkVersion)) fail('sdkVersion', sdkVersion, 'expected a semantic version');

  return {
    id,
    title,
    version,
    description: str(input, 'description', 'description', true),
    license: str(input, 'license', 'license', true),
    upstreamUrl: url('upstreamUrl'),
    packageUrl: url('packageUrl'),
    images,
    volumes,
    interfaces,
    resources,
    dependencies,
    network: { outbound },
    sdkVersion,
  };
}
