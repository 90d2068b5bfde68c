import { dict } from './dict.js';
import { HearthError } from './errors.js';
import type { ImageDeclaration, ImageSource, Manifest, SecretAlphabet } from './manifest.js';
import { fieldProblem, type InputField, type InputSchema } from './input.js';
import { validateBackup } from './backup-policy.js';
import { isValidRange } from './semver.js';

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

/** Longer ranges are refused before parsing (npm's semver refuses over 256 characters too). */
const MAX_RANGE_CHARS = 256;

/**
 * A range as npm reads it (the `semver` package, as `satisfies` reads it at install):
 * `*`, `^1.2.0`, `~1.2`, `>= 1.0.0 < 2`, `1.2.3 - 2.0.0`, `1.x`, alternatives with `||`.
 */
export function isSemverRange(range: string): boolean {
  return range.length <= MAX_RANGE_CHARS && isValidRange(range);
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
    if (typeof range !== 'string' || !isSemverRange(range)) fail(`dependencies.${depId}.version`, range, 'expected a semver range as npm reads it, like ^1.2.0, ~1.2, >=1.0.0 <2.0.0, 1.2.3 - 2.0.0 or *');
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

  const secrets = validateSecrets(input['secrets'] ?? {});
  const settings = validateSettings(input['settings'] ?? {});
  const backup = validateBackup(input['backup'], volumes, fail);

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
    secrets,
    settings,
    backup,
    sdkVersion,
  };
}

export const SECRET_ALPHABETS: Record<SecretAlphabet, string> = {
  alphanumeric: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  hex: '0123456789abcdef',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
};
export const DEFAULT_SECRET_LENGTH = 32;
/** Short secrets are weak, and values shorter than this could not be redacted from logs without hiding ordinary words. */
export const MIN_SECRET_LENGTH = 8;
export const MAX_SECRET_LENGTH = 4096;
const MAX_SECRETS = 64;
const MAX_SETTINGS = 128;

function validateSecrets(secretsIn: unknown): Manifest['secrets'] {
  if (!isRecord(secretsIn)) fail('secrets', secretsIn, 'expected an object of secrets by name');
  if (Object.keys(secretsIn).length > MAX_SECRETS) fail('secrets', Object.keys(secretsIn).length, `expected at most ${MAX_SECRETS} secrets`);
  const secrets: Manifest['secrets'] = dict();
  for (const [name, decl] of Object.entries(secretsIn)) {
    checkId(name, `secrets.${name}`);
    if (!isRecord(decl)) fail(`secrets.${name}`, decl, 'expected { description?, generate? }');
    for (const key of Object.keys(decl)) if (key !== 'description' && key !== 'generate') fail(`secrets.${name}.${key}`, decl[key], 'unknown field; a secret has description and generate');
    const generateIn = decl['generate'];
    let generate: Manifest['secrets'][string]['generate'] = null;
    // null: what validation itself stores for a user-supplied secret (an archive's manifest.json is validated again at install).
    if (generateIn !== undefined && generateIn !== null) {
      if (!isRecord(generateIn)) fail(`secrets.${name}.generate`, generateIn, 'expected { length?, alphabet? }');
      const length = generateIn['length'] ?? DEFAULT_SECRET_LENGTH;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < MIN_SECRET_LENGTH || length > MAX_SECRET_LENGTH) {
        fail(`secrets.${name}.generate.length`, length, `expected an integer from ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH}`);
      }
      const alphabet = generateIn['alphabet'] ?? 'alphanumeric';
      if (typeof alphabet !== 'string' || !Object.hasOwn(SECRET_ALPHABETS, alphabet)) fail(`secrets.${name}.generate.alphabet`, alphabet, "expected 'alphanumeric', 'hex' or 'base64url'");
      generate = { length, alphabet: alphabet as SecretAlphabet };
    }
    secrets[name] = { description: str(decl, 'description', `secrets.${name}.description`, true), generate };
  }
  return secrets;
}

const FIELD_TYPES = new Set(['string', 'number', 'boolean']);

function validateSettings(settingsIn: unknown): InputSchema {
  if (!isRecord(settingsIn)) fail('settings', settingsIn, 'expected an object of fields by name');
  if (Object.keys(settingsIn).length > MAX_SETTINGS) fail('settings', Object.keys(settingsIn).length, `expected at most ${MAX_SETTINGS} settings`);
  const settings = dict<InputField>();
  for (const [name, field] of Object.entries(settingsIn)) {
    const where = `settings.${name}`;
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,62}$/.test(name)) fail(where, name, 'expected a name of letters, digits, _ and -, starting with a letter');
    if (!isRecord(field)) fail(where, field, "expected { type: 'string' | 'number' | 'boolean', description?, required?, default? }");
    const type = field['type'];
    if (typeof type !== 'string' || !FIELD_TYPES.has(type)) fail(`${where}.type`, type, "expected 'string', 'number' or 'boolean'");
    const fallback = field['default'];
    if (fallback !== undefined && typeof fallback !== type) fail(`${where}.default`, fallback, `expected a ${type}`);
    if (typeof fallback === 'string' && fallback.length > 4096) fail(`${where}.default`, fallback, 'expected at most 4096 characters');
    const required = field['required'] ?? false;
    if (typeof required !== 'boolean') fail(`${where}.required`, required, 'expected true or false');
    const description = str(field, 'description', `${where}.description`, true);
    const limits = fieldLimits(field, type, where);
    const parsed = { type, ...(description === '' ? {} : { description }), ...(required ? { required } : {}), ...(fallback === undefined ? {} : { default: fallback }), ...limits } as InputField;
    const problem = fallback === undefined ? null : fieldProblem(parsed, fallback as string | number | boolean);
    if (problem !== null) fail(`${where}.default`, fallback, `expected a default within the field's limits: it ${problem}`);
    settings[name] = parsed;
  }
  return settings;
}

/** A field's limits (min / max / integer for numbers, maxLength for text), each checked, none for another type. */
function fieldLimits(field: Record<string, unknown>, type: string, where: string): Partial<Record<'min' | 'max' | 'integer' | 'maxLength', number | boolean>> {
  const allowed = type === 'number' ? ['min', 'max', 'integer'] : type === 'string' ? ['maxLength'] : [];
  const limits: Partial<Record<'min' | 'max' | 'integer' | 'maxLength', number | boolean>> = {};
  for (const key of ['min', 'max', 'integer', 'maxLength'] as const) {
    const value = field[key];
    if (value === undefined) continue;
    if (!allowed.includes(key)) fail(`${where}.${key}`, value, `unknown for a '${type}' field (min, max and integer are for numbers, maxLength for strings)`);
    if (key === 'integer' ? typeof value !== 'boolean' : typeof value !== 'number' || !Number.isFinite(value)) fail(`${where}.${key}`, value, key === 'integer' ? 'expected true or false' : 'expected a finite number');
    if (key === 'maxLength' && !(Number.isSafeInteger(value) && (value as number) > 0)) fail(`${where}.${key}`, value, 'expected a whole number above 0');
    limits[key] = value as number | boolean;
  }
  if (typeof limits.min === 'number' && typeof limits.max === 'number' && limits.min > limits.max) fail(`${where}.min`, limits.min, `expected at most max (${limits.max})`);
  return limits;
}
